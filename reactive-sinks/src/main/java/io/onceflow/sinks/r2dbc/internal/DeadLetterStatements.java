package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.internal.text.PayloadCut;
import io.onceflow.core.internal.text.Utf8Text;
import io.r2dbc.spi.Connection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 *
 * <p>Every value is bounded, since a dead letter is what a hostile or broken producer sent: a payload over
 * {@link #MAX_PAYLOAD_BYTES} is stored cut, with its whole length ({@code payload_length}) and SHA-256
 * ({@code payload_sha256}), so the record found again by its origin can be told to be the one; the error's message and
 * stack are cut to {@link #MAX_TEXT_BYTES}. Statements are split by size as well as by count
 * ({@link StatementChunks}): a checkpoint of many large dead letters is many statements, never one over the server's
 * limit.
 */
final class DeadLetterStatements {

    /**
     * A payload is stored whole up to this many bytes (of UTF-8, for text): 1 MiB, the broker's default record limit,
     * so a Kafka record is kept whole unless the broker was set to take larger ones.
     */
    static final int MAX_PAYLOAD_BYTES = 1 << 20;

    /** An error's message and stack summary are stored cut to this many bytes of UTF-8. */
    static final int MAX_TEXT_BYTES = 8 * 1024;

    private final String insert;
    private final JsonMapper json;

    DeadLetterStatements(String table, JsonMapper json) {
        this.json = json;
        this.insert = "INSERT INTO " + SqlNames.quoteTable(table) + " (pipeline, sink, checkpoint_id, source,"
                + " source_partition, source_offset, source_timestamp, stage, ordinal, error_class, error_message,"
                + " sql_state, stack_summary, payload, payload_bytes, payload_length, payload_sha256)"
                + " SELECT $1, $2, $3, d.source, d.source_partition, d.source_offset, d.source_timestamp, d.stage,"
                + " d.ordinal, d.error_class, d.error_message, d.sql_state, d.stack_summary, d.payload,"
                + " decode(d.payload_bytes, 'base64'), d.payload_length, d.payload_sha256"
                + " FROM unnest($4::text[], $5::int4[], $6::int8[], $7::int8[], $8::text[], $9::int4[], $10::text[],"
                + " $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int8[], $17::text[])"
                + " AS d(source, source_partition, source_offset, source_timestamp, stage, ordinal, error_class,"
                + " error_message, sql_state, stack_summary, payload, payload_bytes, payload_length, payload_sha256)"
                + " ON CONFLICT (pipeline, source, source_partition, source_offset, stage, ordinal) DO NOTHING";
    }

    /**
     * One dead letter's row, its values bounded and in the form they are sent.
     *
     * @param payload the payload as text, when it is not bytes
     * @param payloadBase64 the payload's bytes in base64, when it is bytes
     * @param payloadLength the whole payload's length in bytes, when it was cut
     * @param payloadSha256 the whole payload's SHA-256, when it was cut
     */
    record DeadLetterRow(
            DeadLetter<?> deadLetter,
            int ordinal,
            String errorMessage,
            String stackSummary,
            @Nullable String payload,
            @Nullable String payloadBase64,
            @Nullable Long payloadLength,
            @Nullable String payloadSha256) {

        /** The characters this row's values take in a statement, for {@link StatementChunks}. */
        long chars() {
            return 200L
                    + errorMessage.length()
                    + stackSummary.length()
                    + (payload == null ? 0 : payload.length())
                    + (payloadBase64 == null ? 0 : payloadBase64.length());
        }
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
        return Flux.defer(() -> Flux.fromIterable(StatementChunks.chunks(
                        rows(deadLetters), DeadLetterRow::deadLetter, true, chunkSize, DeadLetterRow::chars)))
                .concatMap(chunk -> insertChunk(connection, pipeline, sink, checkpointId, chunk))
                .reduce(0L, Long::sum);
    }

    /** The rows of {@code deadLetters}: each ranked among those of its origin and stage, its values bounded. */
    List<DeadLetterRow> rows(List<DeadLetter<?>> deadLetters) {
        Map<List<Object>, Integer> ordinals = new HashMap<>();
        List<DeadLetterRow> rows = new ArrayList<>(deadLetters.size());
        for (DeadLetter<?> deadLetter : deadLetters) {
            int ordinal = ordinals.merge(List.of(deadLetter.origin(), deadLetter.stage()), 1, Integer::sum) - 1;
            String message = text(Utf8Text.cut(deadLetter.errorMessage(), MAX_TEXT_BYTES));
            String stack = text(Utf8Text.cut(deadLetter.stackSummary(), MAX_TEXT_BYTES));
            Object payload = deadLetter.payload();
            if (payload == null) {
                rows.add(new DeadLetterRow(deadLetter, ordinal, message, stack, null, null, null, null));
            } else if (payload instanceof byte[] bytes) {
                PayloadCut cut = PayloadCut.of(bytes, MAX_PAYLOAD_BYTES);
                rows.add(new DeadLetterRow(
                        deadLetter,
                        ordinal,
                        message,
                        stack,
                        null,
                        Base64.getEncoder().encodeToString(cut.head()),
                        cut.cut() ? cut.length() : null,
                        cut.sha256()));
            } else {
                String whole = payloadText(payload);
                PayloadCut cut = (long) whole.length() * 3 <= MAX_PAYLOAD_BYTES
                        ? null // fits however its characters are written
                        : PayloadCut.ofText(whole.getBytes(StandardCharsets.UTF_8), MAX_PAYLOAD_BYTES);
                boolean wasCut = cut != null && cut.cut();
                rows.add(new DeadLetterRow(
                        deadLetter,
                        ordinal,
                        message,
                        stack,
                        text(wasCut ? new String(cut.head(), StandardCharsets.UTF_8) : whole),
                        null,
                        wasCut ? cut.length() : null,
                        wasCut ? cut.sha256() : null));
            }
        }
        return rows;
    }

    private Mono<Long> insertChunk(
            Connection connection, String pipeline, String sink, long checkpointId, List<DeadLetterRow> chunk) {
        int size = chunk.size();
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
        ArrayLiteral payloadLengths = new ArrayLiteral(size * 5);
        ArrayLiteral payloadSha256s = new ArrayLiteral(size * 5);
        for (DeadLetterRow row : chunk) {
            DeadLetter<?> deadLetter = row.deadLetter();
            Origin origin = deadLetter.origin();
            sources.add(text(origin.source()));
            partitions.add(origin.partition());
            offsets.add(origin.offset());
            timestamps.add(origin.timestamp());
            stages.add(text(deadLetter.stage()));
            ordinals.add(row.ordinal());
            classes.add(text(deadLetter.errorClass()));
            messages.add(row.errorMessage());
            states.add(PgErrors.sqlState(deadLetter.error()));
            stacks.add(row.stackSummary());
            payloads.add(row.payload());
            payloadBytes.add(row.payloadBase64());
            payloadLengths.add(
                    row.payloadLength() == null ? null : row.payloadLength().toString());
            payloadSha256s.add(row.payloadSha256());
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
                payloadBytes.build(),
                payloadLengths.build(),
                payloadSha256s.build());
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
