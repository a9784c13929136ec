package io.onceflow.testinfra;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses, starts and caches the PostgreSQL servers of this JVM; servers we started are stopped at JVM exit.
 *
 * <p>The order for {@link PostgresMode#AUTO}: a configured server; the local server on 127.0.0.1:5432 if it accepts
 * a TCP connection within a second and then a login; a Testcontainers server if Docker answers; else embedded.
 */
final class PostgresServers {
    private static final Logger log = LoggerFactory.getLogger(PostgresServers.class);
    private static final int LOCAL_PORT = 5432;
    private static final int LOCAL_PROBE_MILLIS = 1_000;
    private static final Map<PostgresMode, PostgresServer> SERVERS = new EnumMap<>(PostgresMode.class);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PostgresServers::closeAll, "onceflow-postgres-closer"));
    }

    private PostgresServers() {}

    static synchronized PostgresServer get(PostgresMode requested) {
        PostgresMode mode = requested.forced();
        PostgresServer server = SERVERS.get(mode);
        if (server == null) {
            server = mode == PostgresMode.AUTO ? choose() : obtain(mode);
            SERVERS.put(mode, server);
        }
        return server;
    }

    private static PostgresServer choose() {
        if (configuredUrl().isPresent()) {
            return obtain(PostgresMode.CONFIGURED);
        }
        if (Net.answers(Net.LOOPBACK, LOCAL_PORT, LOCAL_PROBE_MILLIS)) {
            try {
                return obtain(PostgresMode.LOCAL);
            } catch (IllegalStateException e) {
                log.warn("The local PostgreSQL answers but refuses us, trying the next option: {}", e.getMessage());
            }
        }
        if (Docker.isAvailable()) {
            return obtain(PostgresMode.CONTAINER);
        }
        return obtain(PostgresMode.EMBEDDED);
    }

    private static PostgresServer obtain(PostgresMode mode) {
        PostgresServer server = SERVERS.get(mode);
        if (server == null) {
            server = create(mode);
            SERVERS.put(mode, server);
        }
        return server;
    }

    private static PostgresServer create(PostgresMode mode) {
        return switch (mode) {
            case CONFIGURED -> verified(configured());
            case LOCAL ->
                verified(new ExternalPostgresServer(
                        PostgresMode.LOCAL, Net.LOOPBACK, LOCAL_PORT, user(), password(), "postgres"));
            case CONTAINER -> ContainerPostgresServer.start();
            case EMBEDDED -> EmbeddedPostgresServer.start();
            case AUTO -> throw new IllegalArgumentException("AUTO is chosen, not created");
        };
    }

    /** The server named by onceflow.test.postgres.url (a JDBC URL) or onceflow.test.postgres.host/port. */
    private static PostgresServer configured() {
        URI uri = URI.create(configuredUrl()
                .orElseThrow(
                        () -> new IllegalStateException(
                                "PostgresMode.CONFIGURED needs onceflow.test.postgres.url "
                                        + "(or ONCEFLOW_TEST_POSTGRES_URL) or onceflow.test.postgres.host (ONCEFLOW_TEST_POSTGRES_HOST)"))
                .substring("jdbc:".length()));
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        return new ExternalPostgresServer(
                PostgresMode.CONFIGURED,
                uri.getHost(),
                uri.getPort() < 0 ? LOCAL_PORT : uri.getPort(),
                user(),
                password(),
                path.isEmpty() ? "postgres" : path);
    }

    private static Optional<String> configuredUrl() {
        Optional<String> url = Settings.get("onceflow.test.postgres.url");
        if (url.isPresent()) {
            if (!url.get().startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException("onceflow.test.postgres.url must be jdbc:postgresql://host:port/db");
            }
            return url;
        }
        return Settings.get("onceflow.test.postgres.host")
                .map(host -> "jdbc:postgresql://" + host + ":"
                        + Settings.get("onceflow.test.postgres.port", Integer.toString(LOCAL_PORT)) + "/"
                        + Settings.get("onceflow.test.postgres.database", "postgres"));
    }

    private static String user() {
        return Settings.get("onceflow.test.postgres.user", "postgres");
    }

    private static String password() {
        // Not Settings.get: an empty password is a legitimate value for a trusting server.
        return Settings.get("onceflow.test.postgres.password", "");
    }

    /** Logs in once, so a server that answers but refuses us fails here, with a message that says so. */
    private static PostgresServer verified(PostgresServer server) {
        try (Connection connection = server.connect(server.adminDatabase())) {
            log.info(
                    "PostgreSQL ({}) at {}:{}: {} as user {}",
                    server.mode(),
                    server.host(),
                    server.port(),
                    connection.getMetaData().getDatabaseProductVersion(),
                    server.user());
            return server;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot log in to " + server + " as " + server.user() + ": " + e.getMessage(), e);
        }
    }

    private static synchronized void closeAll() {
        for (PostgresServer server : new LinkedHashSet<>(SERVERS.values())) {
            try {
                server.close();
            } catch (RuntimeException e) {
                log.warn("closing {} failed", server, e);
            }
        }
        SERVERS.clear();
    }
}
