package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.Origin;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.Row;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A sink's target table for one run: turns records into rows on the data path (with a row key function, on the
 * commit path, for the newest record of each key only), and writes a checkpoint's rows in chunks inside a
 * transaction.
 *
 * <p>Optimistically, each chunk is one statement. When a statement fails because of some of its rows (SQLSTATE 21000,
 * class 22 or 23), the caller rolls the whole transaction back and writes again carefully: each chunk under a
 * savepoint, and a failed chunk split in halves, recursively, until the refused rows are alone; they become dead
 * letters and the others are written. A clean checkpoint pays one round trip per chunk; a dirty one, a few more per
 * refused row.
 */
final class DataTarget<T> {

    private static final String SAVEPOINT = "onceflow_rows";

    private final R2dbcSinkOptions<T> options;
    private final TableInfo table;
    private final @Nullable List<String> versionColumns;
    private final String stage;
    private final @Nullable Function<? super T, ?> rowKey;
    // resolved from the first row made: on the data path, or, with a row key function, on the commit path, while the
    // data path may stream the next checkpoint's rows; resolving twice is harmless, the layout is immutable
    private volatile @Nullable DataLayout layout;
    private volatile @Nullable OnceflowException layoutFailure;

    /** The record the last row came from, and that row's ordinal: a record's rows arrive one after the other. */
    private @Nullable Origin lastOrigin;

    private int ordinal;

    DataTarget(R2dbcSinkOptions<T> options, TableInfo table, @Nullable List<String> versionColumns) {
        this.options = options;
        this.table = table;
        this.versionColumns = versionColumns;
        this.stage = "sink:" + options.name();
        this.rowKey = options.rowKey();
    }

    /** The stage name of the dead letters this sink writes for refused rows. */
    String stage() {
        return stage;
    }

    /**
     * Turns a record into a row of {@code buffer}: the mapper, and the key; never throws. The other values become
     * text later, in {@link #batch}. With a row key function, only the key: the row is made in {@link #batch}, for the
     * newest record of its key alone.
     */
    void prepare(Data<T> record, RowBuffer buffer) {
        if (rowKey != null) {
            Object key;
            try {
                key = rowKey.apply(record.value());
                if (key == null) {
                    throw new NullPointerException("the lastWriteWins row key function returned null");
                }
            } catch (RuntimeException keyFailure) {
                buffer.reject(new DeadLetter<>(record.origin(), stage, record.value(), keyFailure));
                return;
            }
            buffer.add(new Pending(null, key, record, ordinalOf(record.origin())));
            return;
        }
        Row row;
        try {
            row = columns(record);
        } catch (RuntimeException mapperFailure) {
            buffer.reject(new DeadLetter<>(record.origin(), stage, record.value(), mapperFailure));
            return;
        }
        try {
            DataLayout resolved = layout(row);
            Row ordered = resolved.inOrder(row);
            String key = resolved.key(ordered, options.jsonMapper(), record.origin());
            if (key == null) {
                buffer.reject(nullKey(record, resolved));
                return;
            }
            buffer.add(new Pending(ordered, key, record, ordinalOf(record.origin())));
        } catch (OnceflowException mappingError) {
            buffer.fail(mappingError);
        } catch (RuntimeException valueFailure) {
            // Jackson could not write a JSON key column's value: this record's fault
            buffer.reject(new DeadLetter<>(record.origin(), stage, record.value(), valueFailure));
        }
    }

    /** The dead letter of a record whose row has a {@code NULL} key column. */
    private DeadLetter<?> nullKey(Data<T> record, DataLayout resolved) {
        return new DeadLetter<>(
                record.origin(),
                stage,
                record.value(),
                new NullPointerException("a key column " + resolved.keyColumns() + " is null"));
    }

    private Row columns(Data<T> record) {
        Row row = options.columns().apply(record.value());
        if (row == null) {
            throw new NullPointerException("the columns mapper returned null");
        }
        return row;
    }

    /**
     * The row's place among the rows of its record: 0 for its first, 1 for its second, and so on. A record's outputs
     * reach the sink one after the other (every operator emits the outputs of one record together, in order), so a
     * row of the same origin as the one before is its record's next row. With the record's offset, it is the row's
     * version: the second row a record writes to a key is newer than its first.
     */
    private int ordinalOf(Origin origin) {
        Origin last = lastOrigin;
        if (last != null
                && last.offset() == origin.offset()
                && last.partition() == origin.partition()
                && last.source().equals(origin.source())) {
            return ++ordinal;
        }
        lastOrigin = origin;
        ordinal = 0;
        return 0;
    }

    /**
     * The rows of a checkpoint to write: their values turned into text, in chunks of distinct keys.
     *
     * @param chunks the rows, in statements
     * @param rejected records that cannot be written, as dead letters: refused by the mapper, a null key, a JSON
     *     value Jackson cannot write
     */
    record Batch(List<List<Entry>> chunks, List<DeadLetter<?>> rejected) {
        static final Batch EMPTY = new Batch(List.of(), List.of());
    }

    /**
     * Turns every row of a sealed checkpoint into text, on the commit path: the batch of a checkpoint written in one
     * transaction at its marker.
     *
     * @throws OnceflowException the checkpoint's mapping error, if any: a row that does not fit the table
     */
    Batch batch(RowBuffer.Sealed sealed) {
        if (sealed.failure() != null) {
            throw sealed.failure();
        }
        return batch(sealed.all(), sealed.uniqueKeys(), sealed.rejected());
    }

    /**
     * Turns rows into text: a chunk streamed into an open transaction, or the rest of a checkpoint at its marker.
     *
     * @param uniqueKeys whether the rows' keys are known to be distinct
     * @param rejected records already refused, to dead-letter with these rows'
     * @throws OnceflowException a mapping error: a row that does not fit the table
     */
    Batch batch(List<Pending> rows, boolean uniqueKeys, List<DeadLetter<?>> rejected) {
        if (rows.isEmpty() || (rowKey == null && layout == null)) {
            return rejected.isEmpty() ? Batch.EMPTY : new Batch(List.of(), rejected);
        }
        List<Entry> entries = new ArrayList<>(rows.size());
        List<DeadLetter<?>> refused = new ArrayList<>(rejected);
        for (Pending pending : rows) {
            Data<?> record = pending.record();
            try {
                Row row = pending.row();
                Entry entry =
                        row != null ? entry(row, (String) pending.key(), pending) : entryMadeNow(pending, refused);
                if (entry != null) {
                    entries.add(entry);
                }
            } catch (OnceflowException mappingError) {
                throw mappingError;
            } catch (RuntimeException valueFailure) {
                refused.add(new DeadLetter<>(record.origin(), stage, record.value(), valueFailure));
            }
        }
        if (rowKey != null) {
            // records of distinct row key function values may still write one row (the function gave 1 where the
            // column holds 1L): the statement's keys must be distinct, and the newest write wins, as in the buffer
            entries = newestPerKey(entries);
        }
        return new Batch(
                StatementChunks.chunks(entries, Entry::key, uniqueKeys, options.chunkSize(), Entry::chars), refused);
    }

    private Entry entry(Row row, String key, Pending pending) {
        Data<?> record = pending.record();
        return new Entry(
                requireLayout().texts(row, options.jsonMapper(), record.origin()), key, record, pending.ordinal());
    }

    /**
     * The row of the newest record of its key, made now, and checked against the key the row key function gave it;
     * {@code null} when the record cannot be written (added to {@code refused}).
     *
     * @throws PipelineConfigurationException when the row's key is not the function's, or the row does not fit
     */
    private @Nullable Entry entryMadeNow(Pending pending, List<DeadLetter<?>> refused) {
        @SuppressWarnings("unchecked") // the buffer holds this sink's records only
        Data<T> record = (Data<T>) pending.record();
        Row row;
        try {
            row = columns(record);
        } catch (RuntimeException mapperFailure) {
            refused.add(new DeadLetter<>(record.origin(), stage, record.value(), mapperFailure));
            return null;
        }
        DataLayout resolved = layout(row);
        Row ordered = resolved.inOrder(row);
        String key = resolved.key(ordered, options.jsonMapper(), record.origin());
        if (key == null) {
            refused.add(nullKey(record, resolved));
            return null;
        }
        if (!key.equals(resolved.keyOf(pending.key(), options.jsonMapper(), record.origin()))) {
            throw new PipelineConfigurationException("the lastWriteWins row key function of sink '" + options.name()
                    + "' gave record " + record.origin() + " another key than its row's " + resolved.keyColumns()
                    + ": it must give the values the row's key columns get (the value for one key column, a List in"
                    + " key(...) order for several), or the rows of records it gives one key are dropped but one");
        }
        return entry(ordered, key, pending);
    }

    private static List<Entry> newestPerKey(List<Entry> entries) {
        Map<String, Integer> positions = new HashMap<>((int) (entries.size() / 0.75f) + 1);
        List<Entry> newest = new ArrayList<>(entries.size());
        for (Entry entry : entries) {
            Integer position = positions.putIfAbsent(entry.key(), newest.size());
            if (position == null) {
                newest.add(entry);
            } else {
                Entry other = newest.get(position);
                if (Pending.newer(
                        entry.record().origin(), entry.ordinal(), other.record().origin(), other.ordinal())) {
                    newest.set(position, entry);
                }
            }
        }
        return newest;
    }

    private DataLayout requireLayout() {
        DataLayout resolved = layout;
        if (resolved == null) {
            throw new IllegalStateException("a row was buffered before the layout was resolved");
        }
        return resolved;
    }

    private DataLayout layout(Row row) {
        DataLayout resolved = layout;
        if (resolved != null) {
            return resolved;
        }
        OnceflowException failed = layoutFailure;
        if (failed != null) {
            throw failed;
        }
        try {
            resolved = DataLayout.resolve(table, row, options.keyColumns(), versionColumns);
        } catch (OnceflowException failure) {
            layoutFailure = failure;
            throw failure;
        }
        layout = resolved;
        return resolved;
    }

    /**
     * Writes a batch's rows on {@code connection}, inside its transaction.
     *
     * @param careful whether to isolate refused rows under savepoints; without, a refused row fails the write with
     *     a {@link RowLevelFailure}
     */
    Mono<DataOutcome> write(Connection connection, Batch batch, boolean careful) {
        DataLayout resolved = layout;
        if (batch.chunks().isEmpty() || resolved == null) {
            return Mono.just(DataOutcome.NONE);
        }
        return Flux.fromIterable(batch.chunks())
                .concatMap(chunk ->
                        careful ? guarded(connection, resolved, chunk) : optimistic(connection, resolved, chunk))
                .reduce(DataOutcome.NONE, DataOutcome::plus);
    }

    private Mono<DataOutcome> optimistic(Connection connection, DataLayout resolved, List<Entry> chunk) {
        return execute(connection, resolved, chunk)
                .map(changed -> DataOutcome.written(chunk.size(), changed))
                .onErrorMap(failure -> PgErrors.classify(failure) == PgErrors.Kind.ROW, RowLevelFailure::new);
    }

    private Mono<DataOutcome> guarded(Connection connection, DataLayout resolved, List<Entry> chunk) {
        return Mono.from(connection.createSavepoint(SAVEPOINT))
                .then(execute(connection, resolved, chunk))
                .flatMap(changed -> Mono.from(connection.releaseSavepoint(SAVEPOINT))
                        .thenReturn(DataOutcome.written(chunk.size(), changed)))
                .onErrorResume(
                        failure -> PgErrors.classify(failure) == PgErrors.Kind.ROW,
                        failure -> Mono.from(connection.rollbackTransactionToSavepoint(SAVEPOINT))
                                .then(Mono.defer(() -> split(connection, resolved, chunk, failure)))
                                .map(outcome -> outcome.plus(DataOutcome.FAILED_STATEMENT)));
    }

    private Mono<DataOutcome> split(Connection connection, DataLayout resolved, List<Entry> chunk, Throwable failure) {
        if (chunk.size() == 1) {
            Data<?> record = chunk.get(0).record();
            return Mono.just(DataOutcome.refused(new DeadLetter<>(record.origin(), stage, record.value(), failure)));
        }
        int half = chunk.size() / 2;
        return guarded(connection, resolved, chunk.subList(0, half))
                .flatMap(first -> guarded(connection, resolved, chunk.subList(half, chunk.size()))
                        .map(first::plus));
    }

    private Mono<Long> execute(Connection connection, DataLayout resolved, List<Entry> chunk) {
        return Mono.defer(() -> Flux.from(bind(connection.createStatement(resolved.sql()), resolved, chunk)
                        .execute())
                .concatMap(Result::getRowsUpdated)
                .reduce(0L, Long::sum));
    }

    private Statement bind(Statement statement, DataLayout resolved, List<Entry> chunk) {
        int width = resolved.width();
        for (int column = 0; column < width; column++) {
            ArrayLiteral values = new ArrayLiteral(chunk.size() * 16);
            for (Entry entry : chunk) {
                values.add(entry.texts()[column]);
            }
            statement.bind(column, values.build());
        }
        if (versionColumns != null) {
            ArrayLiteral partitions = new ArrayLiteral(chunk.size() * 12);
            ArrayLiteral offsets = new ArrayLiteral(chunk.size() * 8);
            ArrayLiteral ordinals = new ArrayLiteral(chunk.size() * 2);
            Origin last = null;
            String lastPartition = null;
            for (Entry entry : chunk) {
                Origin origin = entry.record().origin();
                if (last == null
                        || last.partition() != origin.partition()
                        || !last.source().equals(origin.source())) {
                    last = origin;
                    lastPartition = origin.sourcePartition().toString();
                }
                partitions.add(lastPartition);
                offsets.add(origin.offset());
                ordinals.add(entry.ordinal());
            }
            statement.bind(width, partitions.build());
            statement.bind(width + 1, offsets.build());
            statement.bind(width + 2, ordinals.build());
        }
        return statement;
    }
}
