package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Positions;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The statements on Onceflow's offsets, state and checkpoints tables: claiming an instance and partitions (the epoch
 * bumps), the fenced commit of positions, and keyed state.
 */
final class CommitStatements {

    /** An instance's claim: its new epoch, and its last completed checkpoint. */
    record InstanceClaim(long epoch, long lastCheckpoint) {}

    /** A partition's claim: its new epoch, and its committed next offset if any. */
    record PartitionClaim(
            SourcePartition partition, long epoch, @Nullable Long nextOffset) {}

    /**
     * What the fenced update matched.
     *
     * @param partitions offsets rows updated: all of the positions' partitions, unless one was claimed by another
     *     owner
     * @param instance 1 when the instance's row still carries this run's epoch
     */
    record Fence(long partitions, long instance) {}

    private final String claimInstance;
    private final String claimPartitions;
    private final String readState;
    private final String fence;
    private final String owners;
    private final String upsertState;
    private final String deleteState;
    private final String readLog;
    private final String dropStaleLog;
    private final String appendLog;
    private final String emptyLog;

    CommitStatements(OnceflowTables tables) {
        String offsets = SqlNames.quoteTable(tables.offsets());
        String state = SqlNames.quoteTable(tables.state());
        String checkpoints = SqlNames.quoteTable(tables.checkpoints());
        String log = SqlNames.quoteTable(tables.stateLog());
        claimInstance = "INSERT INTO " + checkpoints + " AS c (pipeline, instance_id, epoch, checkpoint_id)"
                + " VALUES ($1, $2, 1, 0)"
                + " ON CONFLICT (pipeline, instance_id) DO UPDATE SET epoch = c.epoch + 1"
                + " RETURNING c.epoch, c.checkpoint_id";
        claimPartitions = "INSERT INTO " + offsets + " AS o (pipeline, source, source_partition, epoch, owner)"
                + " SELECT $1, p.source, p.source_partition, 1, $2"
                + " FROM unnest($3::text[], $4::int4[]) AS p(source, source_partition)"
                + " ON CONFLICT (pipeline, source, source_partition)"
                + " DO UPDATE SET epoch = o.epoch + 1, owner = EXCLUDED.owner, updated_at = now()"
                + " RETURNING o.source, o.source_partition, o.epoch, o.next_offset";
        readState = "SELECT s.operator, s.source, s.source_partition, s.state_key, s.state_value FROM " + state
                + " AS s JOIN unnest($2::text[], $3::int4[]) AS p(source, source_partition)"
                + " ON s.source = p.source AND s.source_partition = p.source_partition"
                + " WHERE s.pipeline = $1";
        // offsets first: the row locks make a concurrent claim wait for this transaction, or fence it
        fence = "WITH positions AS (UPDATE " + offsets + " AS o"
                + " SET next_offset = p.next_offset, checkpoint_id = $2, updated_at = now()"
                + " FROM unnest($3::text[], $4::int4[], $5::int8[], $6::int8[])"
                + " AS p(source, source_partition, next_offset, epoch)"
                + " WHERE o.pipeline = $1 AND o.source = p.source AND o.source_partition = p.source_partition"
                + " AND o.epoch = p.epoch RETURNING 1),"
                + " instance AS (UPDATE " + checkpoints + " SET checkpoint_id = $2, committed_at = now()"
                + " WHERE pipeline = $1 AND instance_id = $7 AND epoch = $8 RETURNING 1)"
                + " SELECT (SELECT count(*) FROM positions), (SELECT count(*) FROM instance)";
        owners = "SELECT o.source, o.source_partition, o.epoch, o.owner FROM " + offsets + " AS o"
                + " JOIN unnest($2::text[], $3::int4[]) AS p(source, source_partition)"
                + " ON o.source = p.source AND o.source_partition = p.source_partition WHERE o.pipeline = $1";
        upsertState = "INSERT INTO " + state + " AS s"
                + " (pipeline, source, source_partition, operator, state_key, state_value, checkpoint_id)"
                + " SELECT $1, c.source, c.source_partition, c.operator, c.state_key, decode(c.state_value,"
                + " 'base64'), $2 FROM unnest($3::text[], $4::int4[], $5::text[], $6::text[], $7::text[])"
                + " AS c(source, source_partition, operator, state_key, state_value)"
                + " ON CONFLICT (pipeline, source, source_partition, operator, state_key)"
                + " DO UPDATE SET state_value = EXCLUDED.state_value, checkpoint_id = EXCLUDED.checkpoint_id";
        deleteState = "DELETE FROM " + state + " AS s"
                + " USING unnest($2::text[], $3::int4[], $4::text[], $5::text[])"
                + " AS c(source, source_partition, operator, state_key)"
                + " WHERE s.pipeline = $1 AND s.source = c.source AND s.source_partition = c.source_partition"
                + " AND s.operator = c.operator AND s.state_key = c.state_key";
        readLog = "SELECT l.source, l.source_partition, l.entries FROM " + log
                + " AS l JOIN unnest($2::text[], $3::int4[]) AS p(source, source_partition)"
                + " ON l.source = p.source AND l.source_partition = p.source_partition"
                + " WHERE l.pipeline = $1 ORDER BY l.source, l.source_partition, l.epoch, l.checkpoint_id";
        // rows at or above the epoch just claimed, or of a partition without committed positions, were not written
        // by an owner before this claim: left by a reset of the offsets table, they must not be applied
        dropStaleLog = "DELETE FROM " + log + " AS l USING unnest($2::text[], $3::int4[], $4::int8[])"
                + " AS p(source, source_partition, valid_below)"
                + " WHERE l.pipeline = $1 AND l.source = p.source AND l.source_partition = p.source_partition"
                + " AND l.epoch >= p.valid_below";
        // one binding per row, its entries a bytea parameter: a block is large (a partition's changes of a
        // checkpoint), and a text array of base64 costs the server a parse of the array and a decode of each element
        appendLog = "INSERT INTO " + log + " (pipeline, source, source_partition, epoch, checkpoint_id, entries)"
                + " VALUES ($1, $2, $3, $4, $5, $6)";
        emptyLog = "DELETE FROM " + log + " AS l USING unnest($2::text[], $3::int4[]) AS p(source, source_partition)"
                + " WHERE l.pipeline = $1 AND l.source = p.source AND l.source_partition = p.source_partition";
    }

    /** A row of the state log: a partition's changes of one checkpoint, as {@link StateLogBlock} wrote them. */
    record LogRow(SourcePartition partition, byte[] entries) {}

    /** Claims a pipeline instance: bumps its epoch, fencing a predecessor with the same identity. */
    Mono<InstanceClaim> claimInstance(Connection connection, String pipeline, String instanceId) {
        return Flux.from(Transactions.bind(connection.createStatement(claimInstance), pipeline, instanceId)
                        .execute())
                .concatMap(result ->
                        result.map((row, meta) -> new InstanceClaim(row.get(0, Long.class), row.get(1, Long.class))))
                .single();
    }

    /** Claims partitions for {@code instanceId}: bumps their epochs, fencing their previous owner. */
    Mono<List<PartitionClaim>> claimPartitions(
            Connection connection, String pipeline, String instanceId, Collection<SourcePartition> partitions) {
        return Flux.from(Transactions.bind(
                                connection.createStatement(claimPartitions),
                                pipeline,
                                instanceId,
                                sources(partitions),
                                numbers(partitions))
                        .execute())
                .concatMap(result -> result.map((row, meta) -> new PartitionClaim(
                        SourcePartition.of(row.get(0, String.class), row.get(1, Integer.class)),
                        row.get(2, Long.class),
                        row.get(3, Long.class))))
                .collectList();
    }

    /** The committed state entries of {@code partitions}. */
    Mono<List<StateChange>> readState(Connection connection, String pipeline, Collection<SourcePartition> partitions) {
        return Flux.from(Transactions.bind(
                                connection.createStatement(readState),
                                pipeline,
                                sources(partitions),
                                numbers(partitions))
                        .execute())
                .concatMap(result -> result.map((row, meta) -> new StateChange(
                        row.get(0, String.class),
                        SourcePartition.of(row.get(1, String.class), row.get(2, Integer.class)),
                        row.get(3, String.class),
                        bytes(row.get(4, ByteBuffer.class)))))
                .collectList();
    }

    /**
     * The state log of partitions just claimed, in commit order, after deleting its rows that no owner before this
     * claim wrote.
     *
     * @param claims the claims just made, in this transaction
     */
    Mono<List<LogRow>> readLog(Connection connection, String pipeline, List<PartitionClaim> claims) {
        ArrayLiteral validBelow = new ArrayLiteral(claims.size() * 4);
        List<SourcePartition> partitions = new ArrayList<>();
        for (PartitionClaim claim : claims) {
            partitions.add(claim.partition());
            validBelow.add(claim.nextOffset() == null ? 0 : claim.epoch());
        }
        // deferred: the read's statement is made only once the stale rows are gone
        Mono<Long> dropStale = Transactions.update(
                connection, dropStaleLog, pipeline, sources(partitions), numbers(partitions), validBelow.build());
        Mono<List<LogRow>> read = Flux.defer(() -> Transactions.bind(
                                connection.createStatement(readLog), pipeline, sources(partitions), numbers(partitions))
                        .execute())
                .concatMap(result -> result.map((row, meta) -> new LogRow(
                        SourcePartition.of(row.get(0, String.class), row.get(1, Integer.class)),
                        bytes(row.get(2, ByteBuffer.class)))))
                .collectList();
        return dropStale.then(read);
    }

    /**
     * Writes what a checkpoint's {@link StateLog.Plan} says: its log rows, then the folded partitions' entries into
     * the state table, their log emptied and started again with the entries the table cannot hold; emits statements
     * executed.
     */
    Mono<Integer> writeState(
            Connection connection, String pipeline, long checkpointId, StateLog.Plan plan, int chunkSize) {
        if (plan.isEmpty()) {
            return Mono.just(0);
        }
        Mono<Long> emptyFolded = plan.folded.isEmpty()
                ? Mono.empty()
                : Mono.defer(() -> Transactions.update(
                        connection, emptyLog, pipeline, sources(plan.folded), numbers(plan.folded)));
        return Flux.concat(
                        Flux.fromIterable(logChunks(plan.appended, chunkSize))
                                .concatMap(chunk -> appendLog(connection, pipeline, checkpointId, chunk)),
                        writeStateRows(connection, pipeline, checkpointId, plan.upserts, plan.deletes, chunkSize),
                        emptyFolded,
                        // after the emptying: what a folded log starts again with (keys the state table refuses)
                        Flux.fromIterable(logChunks(plan.carried, chunkSize))
                                .concatMap(chunk -> appendLog(connection, pipeline, checkpointId, chunk)))
                .count()
                .map(Long::intValue);
    }

    /** Writes entries into the state table: upserts, then deletes for tombstones; emits one value per statement. */
    Flux<Long> writeStateRows(
            Connection connection,
            String pipeline,
            long checkpointId,
            List<StateChange> upserts,
            List<StateChange> deletes,
            int chunkSize) {
        return Flux.concat(
                Flux.fromIterable(stateChunks(upserts, chunkSize))
                        .concatMap(chunk -> upsertState(connection, pipeline, checkpointId, chunk)),
                Flux.fromIterable(stateChunks(deletes, chunkSize))
                        .concatMap(chunk -> deleteState(connection, pipeline, chunk)));
    }

    /** The rows in one statement with a binding each: the bindings go to the server in one round trip. */
    private Mono<Long> appendLog(Connection connection, String pipeline, long checkpointId, List<StateLog.Row> rows) {
        return Mono.defer(() -> {
            Statement statement = connection.createStatement(appendLog);
            for (int i = 0; i < rows.size(); i++) {
                StateLog.Row row = rows.get(i);
                if (i > 0) {
                    statement.add();
                }
                Transactions.bind(
                        statement,
                        pipeline,
                        row.partition().source(),
                        row.partition().partition(),
                        row.epoch(),
                        checkpointId,
                        row.entries());
            }
            return Flux.from(statement.execute())
                    .concatMap(Result::getRowsUpdated)
                    .reduce(0L, Long::sum);
        });
    }

    /**
     * Records positions and the checkpoint id, only where this run's epochs still hold.
     *
     * @param epochs the epoch this run claimed for each of the positions' partitions
     */
    Mono<Fence> fence(
            Connection connection,
            String pipeline,
            String instanceId,
            long instanceEpoch,
            long checkpointId,
            Positions positions,
            Map<SourcePartition, Long> epochs) {
        Map<SourcePartition, Long> nextOffsets = positions.asMap();
        ArrayLiteral offsets = new ArrayLiteral(nextOffsets.size() * 8);
        ArrayLiteral claimed = new ArrayLiteral(nextOffsets.size() * 4);
        nextOffsets.forEach((partition, next) -> {
            offsets.add(next);
            claimed.add(epochs.get(partition));
        });
        return Flux.from(Transactions.bind(
                                connection.createStatement(fence),
                                pipeline,
                                checkpointId,
                                sources(nextOffsets.keySet()),
                                numbers(nextOffsets.keySet()),
                                offsets.build(),
                                claimed.build(),
                                instanceId,
                                instanceEpoch)
                        .execute())
                .concatMap(result ->
                        result.map((row, meta) -> new Fence(row.get(0, Long.class), row.get(1, Long.class))))
                .single();
    }

    /** Who owns {@code partitions} now, for the message of a fenced commit. */
    Mono<String> owners(Connection connection, String pipeline, Collection<SourcePartition> partitions) {
        return Flux.from(Transactions.bind(
                                connection.createStatement(owners), pipeline, sources(partitions), numbers(partitions))
                        .execute())
                .concatMap(result -> result.map((row, meta) -> row.get(0, String.class) + "-"
                        + row.get(1, Integer.class) + " (epoch " + row.get(2, Long.class) + ", owner "
                        + row.get(3, String.class) + ")"))
                .collectList()
                .map(Object::toString);
    }

    private Mono<Long> upsertState(Connection connection, String pipeline, long checkpointId, List<StateChange> chunk) {
        ArrayLiteral sources = new ArrayLiteral(chunk.size() * 8);
        ArrayLiteral numbers = new ArrayLiteral(chunk.size() * 3);
        ArrayLiteral operators = new ArrayLiteral(chunk.size() * 8);
        ArrayLiteral keys = new ArrayLiteral(chunk.size() * 12);
        ArrayLiteral values = new ArrayLiteral(chunk.size() * 64);
        Base64.Encoder base64 = Base64.getEncoder();
        for (StateChange change : chunk) {
            sources.add(change.partition().source());
            numbers.add(change.partition().partition());
            operators.add(change.operator());
            keys.add(change.key());
            values.add(base64.encodeToString(change.value()));
        }
        return Transactions.update(
                connection,
                upsertState,
                pipeline,
                checkpointId,
                sources.build(),
                numbers.build(),
                operators.build(),
                keys.build(),
                values.build());
    }

    private Mono<Long> deleteState(Connection connection, String pipeline, List<StateChange> chunk) {
        ArrayLiteral sources = new ArrayLiteral(chunk.size() * 8);
        ArrayLiteral numbers = new ArrayLiteral(chunk.size() * 3);
        ArrayLiteral operators = new ArrayLiteral(chunk.size() * 8);
        ArrayLiteral keys = new ArrayLiteral(chunk.size() * 12);
        for (StateChange change : chunk) {
            sources.add(change.partition().source());
            numbers.add(change.partition().partition());
            operators.add(change.operator());
            keys.add(change.key());
        }
        return Transactions.update(
                connection, deleteState, pipeline, sources.build(), numbers.build(), operators.build(), keys.build());
    }

    /** Log rows in statements bounded by count and size: a row's entries go as hex, two characters a byte. */
    private static List<List<StateLog.Row>> logChunks(List<StateLog.Row> rows, int chunkSize) {
        return StatementChunks.chunks(rows, row -> row, true, chunkSize, row -> 2L * row.entries().length + 64);
    }

    /**
     * State entries in statements bounded by count and size: a value goes as base64, four characters for three bytes.
     * A keyed state is the user's, and may be large: 5,000 values of a few hundred kilobytes must not be one statement.
     */
    private static List<List<StateChange>> stateChunks(List<StateChange> changes, int chunkSize) {
        return StatementChunks.chunks(
                changes,
                change -> change,
                true,
                chunkSize,
                change -> 64L
                        + change.operator().length()
                        + change.key().length()
                        + (change.value() == null ? 0 : 4L * change.value().length / 3));
    }

    private static String sources(Collection<SourcePartition> partitions) {
        ArrayLiteral literal = new ArrayLiteral(partitions.size() * 8);
        partitions.forEach(partition -> literal.add(partition.source()));
        return literal.build();
    }

    private static String numbers(Collection<SourcePartition> partitions) {
        ArrayLiteral literal = new ArrayLiteral(partitions.size() * 3);
        partitions.forEach(partition -> literal.add(partition.partition()));
        return literal.build();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
