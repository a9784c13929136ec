package io.onceflow.benchmarks.r2dbc;

import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import java.net.URI;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * A database of the benchmark's own on a PostgreSQL server, created at start and dropped at the end; the tables are
 * emptied before each run.
 */
public final class BenchDatabase implements AutoCloseable {

    private final String host;
    private final int port;
    private final String adminDatabase;
    private final String user;
    private final String password;
    private final String name;
    private final ConnectionPool pool;

    public BenchDatabase(String adminUrl, String user, String password) throws SQLException {
        URI uri = URI.create(adminUrl.substring("jdbc:".length()));
        this.host = uri.getHost();
        this.port = uri.getPort() < 0 ? 5432 : uri.getPort();
        this.adminDatabase = uri.getPath().substring(1);
        this.user = user;
        this.password = password;
        this.name = "onceflow_bench_" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
        try (Connection admin = connect(adminDatabase, false);
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(
                        new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                                .host(host)
                                .port(port)
                                .database(name)
                                .username(user)
                                .password(password.isEmpty() ? null : password)
                                .build()))
                .initialSize(2)
                .maxSize(4)
                .build());
        try (Connection connection = connect(false);
                Statement statement = connection.createStatement()) {
            statement.execute(Ledger.BALANCES_DDL);
            statement.execute("CREATE TABLE plain_offsets (source_partition integer PRIMARY KEY, next_offset bigint"
                    + " NOT NULL)");
        }
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
    }

    public String name() {
        return name;
    }

    public ConnectionPool pool() {
        return pool;
    }

    /** A JDBC connection to the benchmark's database. */
    public Connection connect(boolean rewriteBatchedInserts) throws SQLException {
        return connect(name, rewriteBatchedInserts);
    }

    private Connection connect(String database, boolean rewriteBatchedInserts) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (!password.isEmpty()) {
            properties.setProperty("password", password);
        }
        properties.setProperty("reWriteBatchedInserts", Boolean.toString(rewriteBatchedInserts));
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, properties);
    }

    /** Empties every table: each run starts from nothing. */
    public void reset() throws SQLException {
        try (Connection connection = connect(false);
                Statement statement = connection.createStatement()) {
            statement.execute("TRUNCATE balances, plain_offsets, onceflow_offsets, onceflow_state, onceflow_state_log,"
                    + " onceflow_checkpoints");
            statement.execute("VACUUM ANALYZE");
        }
    }

    /** Rows and the sum of payments in {@code balances}: every record must be counted exactly once. */
    public long[] check() throws SQLException {
        try (Connection connection = connect(false);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*), coalesce(sum(payments), 0) FROM balances")) {
            rows.next();
            return new long[] {rows.getLong(1), rows.getLong(2)};
        }
    }

    public String server() throws SQLException {
        try (Connection connection = connect(false);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW server_version")) {
            rows.next();
            return "PostgreSQL " + rows.getString(1) + " at " + host + ":" + port;
        }
    }

    @Override
    public void close() throws SQLException {
        pool.dispose();
        try (Connection admin = connect(adminDatabase, false);
                Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
