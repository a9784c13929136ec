package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.SourcePartition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pipeline's committed keyed state as a new owner would restore it from PostgreSQL: the state table's rows with the
 * state log's changes applied in commit order. For tests that check the state beside the outputs, on a JDBC
 * connection (one snapshot when the connection's transaction is repeatable read).
 */
public final class CommittedState {

    private CommittedState() {}

    /** The entries, by {@code source-partition/operator/key}, each with its encoded value. */
    public static Map<String, byte[]> entries(Connection connection, String pipeline) throws SQLException {
        Map<String, byte[]> state = new TreeMap<>();
        try (PreparedStatement base = connection.prepareStatement("SELECT source, source_partition, operator,"
                + " state_key, state_value FROM onceflow_state WHERE pipeline = ?")) {
            base.setString(1, pipeline);
            try (ResultSet rows = base.executeQuery()) {
                while (rows.next()) {
                    SourcePartition partition = SourcePartition.of(rows.getString(1), rows.getInt(2));
                    state.put(id(partition, rows.getString(3), rows.getString(4)), rows.getBytes(5));
                }
            }
        }
        try (PreparedStatement log = connection.prepareStatement("SELECT source, source_partition, entries FROM"
                + " onceflow_state_log WHERE pipeline = ? ORDER BY source, source_partition, epoch, checkpoint_id")) {
            log.setString(1, pipeline);
            try (ResultSet rows = log.executeQuery()) {
                while (rows.next()) {
                    SourcePartition partition = SourcePartition.of(rows.getString(1), rows.getInt(2));
                    for (StateLogBlock.Entry entry : StateLogBlock.decode(rows.getBytes(3), partition)) {
                        String id = id(partition, entry.operator(), entry.key());
                        if (entry.value() == null) {
                            state.remove(id);
                        } else {
                            state.put(id, entry.value());
                        }
                    }
                }
            }
        }
        return state;
    }

    /** How many entries {@link #entries} holds. */
    public static long count(Connection connection, String pipeline) throws SQLException {
        return entries(connection, pipeline).size();
    }

    private static String id(SourcePartition partition, String operator, String key) {
        return partition + "/" + operator + "/" + key;
    }
}
