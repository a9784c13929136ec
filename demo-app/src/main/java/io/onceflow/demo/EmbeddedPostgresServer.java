package io.onceflow.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * A real PostgreSQL in a child process, from zonky's server binaries (PostgreSQL 14, a Maven Central artifact, so
 * nothing needs installing): listening on 127.0.0.1 and a free port, its data and log in a temporary directory that
 * {@link #close()} removes.
 *
 * @since 0.1
 */
final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    static final String HOST = "127.0.0.1";

    private final EmbeddedPostgres postgres;
    private final Path dir;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dir) {
        this.postgres = postgres;
        this.dir = dir;
    }

    /** Initialises a database cluster and starts the server; blocking, for start-up. */
    static EmbeddedPostgresServer start() {
        long start = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("onceflow-demo-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded PostgreSQL", e);
        }
        Path log = dir.resolve("postgres.log");
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir.resolve("data"))
                    .setServerConfig("listen_addresses", HOST)
                    // zonky turns synchronous_commit off for speed; a ledger wants a commit to mean durable
                    .setServerConfig("synchronous_commit", "on")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // Spring closes it after the pipeline's final checkpoint; zonky's own hook would race that
                    .setRegisterShutdownHook(false)
                    .setOutputRedirector(Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the embedded PostgreSQL did not start, see " + log + ": " + e, e);
        }
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, dir);
        LOG.info(
                "PostgreSQL (embedded) listening on {}:{}, started in {} ms, data in {}",
                HOST,
                server.port(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                dir);
        return server;
    }

    int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("stopping the embedded PostgreSQL failed: {}", e.toString());
        }
        FileSystemUtils.deleteRecursively(dir.toFile());
        LOG.info("PostgreSQL (embedded) on {}:{} stopped", HOST, port());
    }
}
