package io.onceflow.testinfra;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' {@code postgres} image. Not restartable: a stopped container comes back on another host port,
 * which would break every URL already handed out.
 */
final class ContainerPostgresServer implements PostgresServer {
    private static final Logger log = LoggerFactory.getLogger(ContainerPostgresServer.class);
    private static final String DEFAULT_IMAGE = "postgres:16-alpine";

    private final PostgreSQLContainer container;

    private ContainerPostgresServer(PostgreSQLContainer container) {
        this.container = container;
    }

    static ContainerPostgresServer start() {
        if (!Docker.isAvailable()) {
            throw new IllegalStateException("no Docker daemon answers: cannot start a PostgreSQL container");
        }
        long start = System.nanoTime();
        String image = Settings.get("onceflow.test.postgres.image", DEFAULT_IMAGE);
        PostgreSQLContainer container =
                new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw new IllegalStateException("the PostgreSQL container (" + image + ") did not start", e);
        }
        ContainerPostgresServer server = new ContainerPostgresServer(container);
        log.info(
                "PostgreSQL (container {}) listening on {}:{}, started in {} ms",
                image,
                server.host(),
                server.port(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return server;
    }

    @Override
    public PostgresMode mode() {
        return PostgresMode.CONTAINER;
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    }

    @Override
    public String user() {
        return container.getUsername();
    }

    @Override
    public String password() {
        return container.getPassword();
    }

    @Override
    public String adminDatabase() {
        return container.getDatabaseName();
    }

    @Override
    public boolean canRestart() {
        return false;
    }

    @Override
    public void restart() {
        throw new UnsupportedOperationException(
                "cannot restart a PostgreSQL container: it would come back on another port; use PostgresMode.EMBEDDED");
    }

    @Override
    public void close() {
        container.close();
    }

    @Override
    public String toString() {
        return "PostgreSQL container at " + host() + ":" + port();
    }
}
