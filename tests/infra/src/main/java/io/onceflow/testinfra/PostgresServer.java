package io.onceflow.testinfra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** A PostgreSQL server on which the extension creates databases; shared by the whole test JVM. */
interface PostgresServer extends AutoCloseable {

    PostgresMode mode();

    String host();

    int port();

    /** A superuser, or at least a user allowed to create databases and terminate their connections. */
    String user();

    String password();

    /** A database that always exists, to connect to for CREATE/DROP DATABASE. */
    String adminDatabase();

    boolean canRestart();

    /** Restarts the server on the same data and port; returns once it accepts connections again. */
    void restart();

    @Override
    void close();

    default Connection connect(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user());
        properties.setProperty("password", password());
        // Never hang on a server that does not answer.
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("loginTimeout", "10");
        properties.setProperty("ApplicationName", "onceflow-test-infra");
        return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port() + "/" + database, properties);
    }

    /** Polls until a connection succeeds, after a start or restart. */
    default void awaitConnectable(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                connect(adminDatabase()).close();
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "PostgreSQL at " + host() + ":" + port() + " not back within " + timeout, e);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
            }
        }
    }
}
