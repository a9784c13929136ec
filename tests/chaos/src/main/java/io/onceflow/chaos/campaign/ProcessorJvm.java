package io.onceflow.chaos.campaign;

import io.onceflow.chaos.processor.LedgerProcessor;
import io.onceflow.chaos.processor.ProcessorSettings;
import io.onceflow.testinfra.ChildProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The child JVM a processor runs in: its command line, its start, and a thread dump of a running one. */
final class ProcessorJvm {

    private ProcessorJvm() {}

    /** The command that runs a {@link LedgerProcessor} with {@code settings}, its temporary files in {@code directory}. */
    static List<String> command(ProcessorSettings settings, Path directory) {
        return ChildProcesses.javaCommand(
                List.of(
                        settings.shapeCount() > 0 ? "-Xmx384m" : "-Xmx256m",
                        "-XX:+ExitOnOutOfMemoryError",
                        // every marker's positions and every commit's positions, state changes and dead letters in
                        // the processor's log, so that a mismatch can be traced to the checkpoint that committed it
                        "-Dorg.slf4j.simpleLogger.log.io.onceflow.CHECKPOINT=debug",
                        "-Dorg.slf4j.simpleLogger.log.io.onceflow.COMMIT=debug",
                        "-Djava.io.tmpdir=" + directory),
                LedgerProcessor.class,
                settings.toArguments());
    }

    /**
     * Starts a processor with {@code settings}, its output appended to {@code log} after the line {@code incarnation}.
     * Its stdin stays a pipe: the processor halts when it closes, that is when this JVM dies.
     */
    static Process start(ProcessorSettings settings, Path directory, Path log, String incarnation, String name) {
        try {
            Files.writeString(
                    log,
                    incarnation + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command(settings, directory))
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(log.toFile()));
            return ChildProcesses.start(builder, "ledger processor " + name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start processor " + name, e);
        }
    }

    /** Writes a thread dump of {@code process} to {@code file} ({@code jcmd Thread.print}, at most 30 s). */
    static void dumpThreads(Process process, Path file) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process dump = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "Thread.print")
                .redirectErrorStream(true)
                .redirectOutput(file.toFile())
                .start();
        if (!dump.waitFor(30, TimeUnit.SECONDS)) {
            dump.destroyForcibly();
        }
    }
}
