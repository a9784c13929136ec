package io.onceflow.it.r2dbc;

import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.testinfra.PostgresDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An independent reader that checks, over and over while a pipeline runs, that no partial checkpoint is ever
 * visible: in one REPEATABLE READ snapshot it reads the offsets and the balances table, and the table must be
 * exactly what the input's prefix up to those offsets produces, computed from the input alone, and the state table
 * must hold one entry per balance.
 */
final class SnapshotChecker implements AutoCloseable {

    private final PostgresDatabase db;
    private final String pipeline;
    private final List<List<Payment>> input;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger snapshots = new AtomicInteger();
    private final AtomicInteger nonEmpty = new AtomicInteger();
    private final List<String> violations = new ArrayList<>();
    private final Thread thread;

    SnapshotChecker(PostgresDatabase db, String pipeline, List<List<Payment>> input) {
        this.db = db;
        this.pipeline = pipeline;
        this.input = input;
        this.thread = new Thread(this::loop, "snapshot-checker");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        while (running.get()) {
            try (Connection connection = db.openConnection()) {
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                while (running.get()) {
                    check(connection);
                    connection.commit();
                    Thread.sleep(5);
                }
            } catch (SQLException e) {
                // our own connection was killed with the others: reconnect and go on
                pause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void check(Connection connection) throws SQLException {
        long[] offsets = Databases.nextOffsets(connection, pipeline, input.size());
        Map<String, Balance> table = Databases.balances(connection);
        long stateEntries = stateEntries(connection);
        Map<String, Balance> expected = Ledger.expected(input, offsets);
        snapshots.incrementAndGet();
        if (!table.isEmpty()) {
            nonEmpty.incrementAndGet();
        }
        if (stateEntries != table.size()) {
            synchronized (violations) {
                violations.add("at offsets " + Arrays.toString(offsets) + " the state table has " + stateEntries
                        + " entries for " + table.size() + " balances");
            }
        }
        if (!table.equals(expected)) {
            synchronized (violations) {
                violations.add("at offsets " + Arrays.toString(offsets) + " the table has " + table.size()
                        + " rows, the prefix makes " + expected.size() + "; first difference: "
                        + firstDifference(table, expected));
            }
        }
    }

    private long stateEntries(Connection connection) throws SQLException {
        return io.onceflow.sinks.r2dbc.internal.CommittedState.count(connection, pipeline);
    }

    private static String firstDifference(Map<String, Balance> table, Map<String, Balance> expected) {
        for (Map.Entry<String, Balance> row : expected.entrySet()) {
            if (!row.getValue().equals(table.get(row.getKey()))) {
                return "expected " + row.getValue() + ", found " + table.get(row.getKey());
            }
        }
        for (Map.Entry<String, Balance> row : table.entrySet()) {
            if (!expected.containsKey(row.getKey())) {
                return "unexpected " + row.getValue();
            }
        }
        return "none";
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int snapshots() {
        return snapshots.get();
    }

    int nonEmptySnapshots() {
        return nonEmpty.get();
    }

    List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** Stops checking, and waits for the last check to end. */
    void stop() {
        running.set(false);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
