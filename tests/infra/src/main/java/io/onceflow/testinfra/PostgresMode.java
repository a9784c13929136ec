package io.onceflow.testinfra;

import java.util.Locale;

/** Which PostgreSQL server a {@link PostgresDatabase} lives on. */
public enum PostgresMode {
    /**
     * The first that works, in this order: {@link #CONFIGURED}, {@link #LOCAL}, {@link #CONTAINER},
     * {@link #EMBEDDED}. The system property {@code onceflow.test.postgres} (configured, local, container, embedded)
     * forces one.
     */
    AUTO,
    /**
     * The server named by {@code onceflow.test.postgres.url} (a JDBC URL) or {@code onceflow.test.postgres.host},
     * with {@code .port}, {@code .user}, {@code .password}; each also as an environment variable
     * ({@code ONCEFLOW_TEST_POSTGRES_HOST}, ...).
     */
    CONFIGURED,
    /** The server on 127.0.0.1:5432 (user postgres unless configured), restartable through pg_ctlcluster. */
    LOCAL,
    /** Testcontainers' {@code postgres} image; classes that ask for it are skipped when Docker does not answer. */
    CONTAINER,
    /** Zonky's embedded PostgreSQL, from binaries in a Maven artifact: needs nothing installed. */
    EMBEDDED;

    /** The mode AUTO is forced to by configuration, or AUTO itself; any other mode stands for itself. */
    PostgresMode forced() {
        if (this != AUTO) {
            return this;
        }
        String configured = Settings.get("onceflow.test.postgres", "auto");
        return switch (configured.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "configured" -> CONFIGURED;
            case "local" -> LOCAL;
            case "container" -> CONTAINER;
            case "embedded" -> EMBEDDED;
            default ->
                throw new IllegalArgumentException("onceflow.test.postgres=" + configured
                        + " is not one of auto, configured, local, container, embedded");
        };
    }
}
