package io.onceflow.testinfra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zonky's embedded PostgreSQL: real server binaries unpacked from a Maven artifact, so nothing needs installing.
 *
 * <p>We own its data directory and port, so a restart is a stop and a start on both; the data directory is removed
 * only when the server is closed.
 */
final class EmbeddedPostgresServer implements PostgresServer {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String USER = "postgres";

    private final Path dir;
    private final int port;
    private EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static EmbeddedPostgresServer start() {
        long start = System.nanoTime();
        EmbeddedPostgresServer server =
                new EmbeddedPostgresServer(Dirs.create("onceflow-pg-embedded-"), Net.freePort());
        server.postgres = server.launch();
        log.info(
                "PostgreSQL (embedded) listening on {}:{}, started in {} ms, data in {}",
                server.host(),
                server.port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                server.dir);
        return server;
    }

    private EmbeddedPostgres launch() {
        Path logFile = dir.resolve("postgres.log");
        try {
            return EmbeddedPostgres.builder()
                    // The unpacked binaries are shared by every server of the build, and kept between runs.
                    .setOverrideWorkingDirectory(Settings.workDirectory()
                            .resolve("onceflow-pg-binaries")
                            .toFile())
                    .setDataDirectory(dir.resolve("data"))
                    .setCleanDataDirectory(false) // a restart reuses it; close() removes it
                    .setPort(port)
                    .setServerConfig("listen_addresses", Net.LOOPBACK)
                    // Zonky turns synchronous_commit off; exactly-once tests want a commit to mean durable.
                    .setServerConfig("synchronous_commit", "on")
                    .setRegisterShutdownHook(false) // PostgresServers closes it, and deletes the data after
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start, see " + logFile, e);
        }
    }

    @Override
    public PostgresMode mode() {
        return PostgresMode.EMBEDDED;
    }

    @Override
    public String host() {
        return Net.LOOPBACK;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return USER;
    }

    @Override
    public String password() {
        return "";
    }

    @Override
    public String adminDatabase() {
        return "postgres";
    }

    @Override
    public boolean canRestart() {
        return true;
    }

    @Override
    public synchronized void restart() {
        long start = System.nanoTime();
        stop();
        postgres = launch();
        awaitConnectable(Duration.ofSeconds(60));
        log.info(
                "PostgreSQL (embedded) restarted on {}:{} in {} ms",
                host(),
                port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @Override
    public synchronized void close() {
        stop();
        Dirs.deleteQuietly(dir.resolve("data"));
    }

    private void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                log.warn("stopping embedded PostgreSQL failed", e);
            }
            postgres = null;
        }
    }

    @Override
    public String toString() {
        return "embedded PostgreSQL at " + host() + ":" + port;
    }
}
