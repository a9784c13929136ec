package io.onceflow.testinfra;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Debian's postgresql-common tools: find the cluster on a port, restart it. */
final class PgClusters {
    /** One line of {@code pg_lsclusters}. */
    record Cluster(String version, String name, int port) {}

    private PgClusters() {}

    static Optional<Cluster> onPort(int port) {
        try {
            return parse(run(List.of("pg_lsclusters", "--no-header"), 10)).stream()
                    .filter(c -> c.port() == port)
                    .findFirst();
        } catch (RuntimeException e) {
            return Optional.empty(); // no postgresql-common here
        }
    }

    /** Parses {@code pg_lsclusters --no-header}: "15  main  5432 online postgres /var/lib/... /var/log/...". */
    static List<Cluster> parse(String output) {
        return output.lines()
                .map(String::trim)
                .filter(line -> !line.isEmpty())
                .map(line -> line.split("\\s+"))
                .filter(columns -> columns.length >= 3 && columns[2].matches("\\d+"))
                .map(columns -> new Cluster(columns[0], columns[1], Integer.parseInt(columns[2])))
                .toList();
    }

    static void restart(Cluster cluster) {
        // --skip-systemctl-redirect: there is no systemd in containers and CI sandboxes; pg_ctl directly is enough.
        run(List.of("pg_ctlcluster", "--skip-systemctl-redirect", cluster.version(), cluster.name(), "restart"), 120);
    }

    private static String run(List<String> command, int timeoutSeconds) {
        Path outputFile = null;
        try {
            // Output to a file, not a pipe: the server that pg_ctlcluster starts could inherit a pipe and keep it
            // open forever, and reading it would then never end.
            outputFile = Files.createTempFile("onceflow-pg-cmd-", ".log");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile())
                    .redirectInput(Redirect.from(new File("/dev/null")))
                    .start();
            boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            String output = Files.readString(outputFile, StandardCharsets.UTF_8);
            if (!finished) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within " + timeoutSeconds + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " failed (" + process.exitValue() + "): " + output.trim());
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        } finally {
            if (outputFile != null) {
                outputFile.toFile().delete();
            }
        }
    }
}
