package io.onceflow.it.r2dbc;

import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.testinfra.PostgresDatabase;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Connection pools for the code under test, and plain JDBC reads for the checks, independent of it. */
public final class Databases {

    private Databases() {}

    /** A pool over the test database, as an application would configure one. */
    public static ConnectionPool pool(PostgresDatabase db, int maxSize) {
        return new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(db.r2dbcUrl()))
                .initialSize(0)
                .maxSize(maxSize)
                .maxAcquireTime(Duration.ofSeconds(20))
                .maxCreateConnectionTime(Duration.ofSeconds(10))
                .build());
    }

    /** The balances table, by account. */
    static Map<String, Balance> balances(Connection connection) throws SQLException {
        Map<String, Balance> rows = new TreeMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet result =
                        statement.executeQuery("SELECT account, balance_cents, payments, last_payment FROM balances")) {
            while (result.next()) {
                rows.put(
                        result.getString(1),
                        new Balance(result.getString(1), result.getLong(2), result.getLong(3), result.getLong(4)));
            }
        }
        return rows;
    }

    static Map<String, Balance> balances(PostgresDatabase db) throws SQLException {
        try (Connection connection = db.openConnection()) {
            return balances(connection);
        }
    }

    /** The committed next offset per partition of {@code pipeline}'s source (absent: never committed). */
    static long[] nextOffsets(Connection connection, String pipeline, int partitions) throws SQLException {
        long[] offsets = new long[partitions];
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT source_partition, next_offset FROM onceflow_offsets"
                        + " WHERE next_offset IS NOT NULL AND pipeline = '" + pipeline + "'")) {
            while (result.next()) {
                offsets[result.getInt(1)] = result.getLong(2);
            }
        }
        return offsets;
    }

    static long[] nextOffsets(PostgresDatabase db, String pipeline, int partitions) throws SQLException {
        try (Connection connection = db.openConnection()) {
            return nextOffsets(connection, pipeline, partitions);
        }
    }

    /** Every row of a query, each as a list of its columns' text forms; for comparing whole tables. */
    static List<List<String>> rows(PostgresDatabase db, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection connection = db.openConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<String> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    row.add(result.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** The first column of a query as a map from its first to its second column. */
    static Map<String, String> pairs(PostgresDatabase db, String sql) throws SQLException {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (List<String> row : rows(db, sql)) {
            pairs.put(row.get(0), row.get(1));
        }
        return pairs;
    }
}
