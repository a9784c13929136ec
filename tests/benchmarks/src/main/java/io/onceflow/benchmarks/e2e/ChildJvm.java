package io.onceflow.benchmarks.e2e;

import io.onceflow.testinfra.ChildProcesses;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a main class of this jar in a child JVM with the infra's safeguards (pid file, killed with this JVM), its
 * output appended to a log file; stdin stays a pipe, which the child watches to halt when this JVM dies.
 */
final class ChildJvm {

    private ChildJvm() {}

    static Process start(List<String> jvmOptions, Class<?> main, List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add(ChildProcesses.markerOption());
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        File file = log.toFile();
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.appendTo(file));
        return ChildProcesses.start(builder, main.getSimpleName());
    }
}
