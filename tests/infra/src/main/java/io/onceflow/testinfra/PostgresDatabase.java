package io.onceflow.testinfra;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A fresh, empty PostgreSQL database created for one test class and dropped after it.
 *
 * <p>Get one injected with {@link WithPostgres @WithPostgres}. Every convenience method opens its own short JDBC
 * connection, so none of them disturbs the connections of the code under test.
 */
public interface PostgresDatabase {

    /** The server this database lives on. */
    PostgresMode mode();

    /** Host name or address of the server. */
    String host();

    /** TCP port of the server. */
    int port();

    /** Name of this database, {@code onceflow_} followed by random characters. */
    String database();

    /** User name to connect with; it owns the database. */
    String user();

    /** Password to connect with; empty when the server trusts the user. */
    String password();

    /** {@code jdbc:postgresql://host:port/database}, without credentials (pass {@link #user()}, {@link #password()}). */
    default String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database();
    }

    /**
     * {@code r2dbc:postgresql://user[:password]@host:port/database}: complete, so that
     * {@code ConnectionFactories.get(db.r2dbcUrl())} connects as is.
     */
    default String r2dbcUrl() {
        String credentials = encode(user()) + (password().isEmpty() ? "" : ":" + encode(password()));
        return "r2dbc:postgresql://" + credentials + "@" + host() + ":" + port() + "/" + database();
    }

    /** A new JDBC connection to this database, in auto-commit mode; the caller closes it. */
    Connection openConnection() throws SQLException;

    /** Runs one or more SQL statements in auto-commit mode; returns the update count of the first, or -1. */
    int execute(String sql) throws SQLException;

    /** Runs a query whose first column of the first row is a number, for instance {@code SELECT count(*) ...}. */
    long queryForLong(String sql) throws SQLException;

    /**
     * Terminates ({@code pg_terminate_backend}) every connection to this database, and returns once they are gone.
     * An open transaction on one of them is rolled back and its next statement fails: a connection lost mid-flight.
     *
     * @return how many connections were terminated
     */
    int terminateConnections() throws SQLException;

    /** True when {@link #restartServer()} is supported: embedded servers, and the local server via pg_ctlcluster. */
    boolean canRestartServer();

    /**
     * Restarts the whole PostgreSQL server on the same data and port, and returns once it accepts connections again.
     * Every connection to every database of the server is lost; committed data survives.
     *
     * @throws UnsupportedOperationException when {@link #canRestartServer()} is false
     */
    void restartServer();

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
