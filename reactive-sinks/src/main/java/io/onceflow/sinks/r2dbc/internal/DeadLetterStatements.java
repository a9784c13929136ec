package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.r2dbc.spi.Connection;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Inserts dead letters into a dead-letter table, in chunks, inside the checkpoint's transaction.
 *
 * <p>Each row holds the record's origin, the stage that failed, the error (class, message, SQLSTATE when the
 * database refused the row, the top of the stack) and the payload: bytes as {@code payload_bytes}, text as is,
 * anything else as JSON by Jackson (or its {@code toString()} when Jackson cannot). A dead letter is unique by
 * pipeline, origin, stage and ordinal (its rank among the checkpoint's dead letters of the same origin and stage);
 * an existing one is left alone, so an idempotent sink's replay inserts nothing twice.
 */
final class DeadLetterStatements {

    private final String insert;
    private final JsonMapper json;

    DeadLetterStatements(String table, JsonMapper json) {
        this.json = json;
        this.insert = "INSERT INTO " + SqlNames.quoteTable(table) + " (pipeline, sink, checkpoint_id, source,"
                + " source_partition, source_offset, source_timestamp, stage, ordinal, error_class, error_message,"
                + " sql_state, stack_summary, payload, payload_bytes)"
                + " SELECT $1, $2, $3, d.source, d.source_partition, d.source_offset, d.source_timestamp, d.stage,"
                + " d.ordinal, d.error_class, d.error_message, d.sql_state, d.stack_summary, d.payload,"
                + " decode(d.payload_bytes, 'base64')"
                + " FROM unnest($4::text[], $5::int4[], $6::int8[], $7::int8[], $8::text[], $9::int4[], $10::text[],"
                + " $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])"
                + " AS d(source, source_partition, source_offset, source_timestamp, stage, ordinal, error_class,"
                + " error_message, sql_state, stack_summary, payload, payload_bytes)"
                + " ON CONFLICT (pipeline, source, source_partition, source_offset, stage, ordinal) DO NOTHING";
    }

    /** Inserts {@code deadLetters}; emits the rows inserted. */
    Mono<Long> insert(
            Connection connection,
            String pipeline,
            String sink,
            long checkpointId,
            List<DeadLetter<?>> deadLetters,
            int chunkSize) {
        if (deadLetters.isEmpty()) {
            return Mono.just(0L);
        }
        Map<List<Object>, Integer> ordinals = new HashMap<>();
        int[] ranks = new int[deadLetters.size()];
        for (int i = 0; i < ranks.length; i++) {
            DeadLetter<?> deadLetter = deadLetters.get(i);
            ranks[i] = ordinals.merge(List.of(deadLetter.origin(), deadLetter.stage()), 1, Integer::sum) - 1;
        }
        return Flux.range(0, (deadLetters.size() + chunkSize - 1) / chunkSize)
                .concatMap(chunk -> {
                    int from = chunk * chunkSize;
                    int to = Math.min(deadLetters.size(), from + chunkSize);
                    return insertChunk(connection, pipeline, sink, checkpointId, deadLetters, ranks, from, to);
                })
                .reduce(0L, Long::sum);
    }

    private Mono<Long> insertChunk(
            Connection connection,
            String pipeline,
            String sink,
            long checkpointId,
            List<DeadLetter<?>> deadLetters,
            int[] ranks,
            int from,
            int to) {
        int size = to - from;
        ArrayLiteral sources = new ArrayLiteral(size * 8);
        ArrayLiteral partitions = new ArrayLiteral(size * 3);
        ArrayLiteral offsets = new ArrayLiteral(size * 8);
        ArrayLiteral timestamps = new ArrayLiteral(size * 14);
        ArrayLiteral stages = new ArrayLiteral(size * 8);
        ArrayLiteral ordinals = new ArrayLiteral(size * 2);
        ArrayLiteral classes = new ArrayLiteral(size * 40);
        ArrayLiteral messages = new ArrayLiteral(size * 60);
        ArrayLiteral states = new ArrayLiteral(size * 7);
        ArrayLiteral stacks = new ArrayLiteral(size * 400);
        ArrayLiteral payloads = new ArrayLiteral(size * 60);
        ArrayLiteral payloadBytes = new ArrayLiteral(size * 6);
        for (int i = from; i < to; i++) {
            DeadLetter<?> deadLetter = deadLetters.get(i);
            Origin origin = deadLetter.origin();
            sources.add(text(origin.source()));
            partitions.add(origin.partition());
            offsets.add(origin.offset());
            timestamps.add(origin.timestamp());
            stages.add(text(deadLetter.stage()));
            ordinals.add(ranks[i]);
            classes.add(text(deadLetter.errorClass()));
            messages.add(text(deadLetter.errorMessage()));
            states.add(PgErrors.sqlState(deadLetter.error()));
            stacks.add(text(deadLetter.stackSummary()));
            Object payload = deadLetter.payload();
            if (payload instanceof byte[] bytes) {
                payloads.add(null);
                payloadBytes.add(Base64.getEncoder().encodeToString(bytes));
            } else {
                payloads.add(payload == null ? null : text(payloadText(payload)));
                payloadBytes.add(null);
            }
        }
        return Transactions.update(
                connection,
                insert,
                pipeline,
                sink,
                checkpointId,
                sources.build(),
                partitions.build(),
                offsets.build(),
                timestamps.build(),
                stages.build(),
                ordinals.build(),
                classes.build(),
                messages.build(),
                states.build(),
                stacks.build(),
                payloads.build(),
                payloadBytes.build());
    }

    private String payloadText(Object payload) {
        if (payload instanceof CharSequence text) {
            return text.toString();
        }
        try {
            return json.writeValueAsString(payload);
        } catch (RuntimeException notJson) {
            return String.valueOf(payload);
        }
    }

    /** PostgreSQL text cannot hold NUL: a dead letter must never fail for it. */
    private static String text(@Nullable String value) {
        if (value == null) {
            return "";
        }
        return value.indexOf('\0') < 0 ? value : value.replace('\0', '\uFFFD');
    }
}
