package io.onceflow.testinfra;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A database created with a random name on a shared server, and dropped with everything connected to it. */
final class FreshDatabase implements PostgresDatabase, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FreshDatabase.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final PostgresServer server;
    private final String name;
    private boolean dropped;

    private FreshDatabase(PostgresServer server, String name) {
        this.server = server;
        this.name = name;
    }

    static FreshDatabase create(PostgresServer server) {
        long start = System.nanoTime();
        String name = randomName();
        try (Connection admin = server.connect(server.adminDatabase());
                Statement statement = admin.createStatement()) {
            // The name is ours (lower-case letters and digits), so it needs neither quoting nor escaping.
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a database on " + server + ": " + e.getMessage(), e);
        }
        log.info(
                "PostgreSQL database {} created on {}:{} ({}) in {} ms",
                name,
                server.host(),
                server.port(),
                server.mode(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return new FreshDatabase(server, name);
    }

    private static String randomName() {
        StringBuilder name = new StringBuilder("onceflow_");
        for (int i = 0; i < 12; i++) {
            name.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return name.toString();
    }

    @Override
    public PostgresMode mode() {
        return server.mode();
    }

    @Override
    public String host() {
        return server.host();
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public String database() {
        return name;
    }

    @Override
    public String user() {
        return server.user();
    }

    @Override
    public String password() {
        return server.password();
    }

    @Override
    public Connection openConnection() throws SQLException {
        return server.connect(name);
    }

    @Override
    public int execute(String sql) throws SQLException {
        try (Connection connection = openConnection();
                Statement statement = connection.createStatement()) {
            return statement.execute(sql) ? -1 : statement.getUpdateCount();
        }
    }

    @Override
    public long queryForLong(String sql) throws SQLException {
        try (Connection connection = openConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new SQLException("no row: " + sql);
            }
            return rows.getLong(1);
        }
    }

    @Override
    public int terminateConnections() throws SQLException {
        // From the admin database, so that no connection of ours is among the victims.
        try (Connection admin = server.connect(server.adminDatabase())) {
            List<Integer> terminated = new ArrayList<>();
            try (PreparedStatement statement =
                    admin.prepareStatement("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
                            + " WHERE datname = ? AND pid <> pg_backend_pid()")) {
                statement.setString(1, name);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        if (rows.getBoolean(2)) {
                            terminated.add(rows.getInt(1));
                        }
                    }
                }
            }
            // pg_terminate_backend only signals; wait until the backends are really gone, so that the caller's
            // next statement on a victim connection fails deterministically.
            awaitGone(admin, terminated);
            return terminated.size();
        }
    }

    private void awaitGone(Connection admin, List<Integer> pids) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (PreparedStatement statement =
                admin.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY (?)")) {
            statement.setArray(1, admin.createArrayOf("int4", pids.toArray()));
            while (true) {
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    if (rows.getLong(1) == 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new SQLException("backends " + pids + " still alive 10 s after pg_terminate_backend");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted", e);
                }
            }
        }
    }

    @Override
    public boolean canRestartServer() {
        return server.canRestart();
    }

    @Override
    public void restartServer() {
        server.restart();
    }

    @Override
    public synchronized void close() {
        if (dropped) {
            return;
        }
        dropped = true;
        try (Connection admin = server.connect(server.adminDatabase());
                Statement statement = admin.createStatement()) {
            // WITH (FORCE) (PostgreSQL 13+) also ends connections the code under test left open.
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            log.info("PostgreSQL database {} dropped", name);
        } catch (SQLException e) {
            log.warn("cannot drop database {} on {}: {}", name, server, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "PostgresDatabase[" + jdbcUrl() + ", " + mode() + "]";
    }
}
