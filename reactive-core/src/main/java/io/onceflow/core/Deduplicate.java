package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.operators.DeduplicateOperator;
import java.time.Duration;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Lets the first record of each key through and dead-letters the records of the same key that follow it within a
 * retention of event time, with state scoped to the source partition and checkpointed with the pipeline's output.
 *
 * <pre>
 *   in:   p1@0  p2@5  p1@7  [M1]  p2@9    p1@20      (key@timestamp, retention 10)
 *   out:  p1@0  p2@5  ✗p1  [M1 + seen {p1@0, p2@5}]  ✗p2  p1@20   (✗: a dead letter naming the first record)
 * </pre>
 *
 * <p>Time is the records' {@link Origin#timestamp()}, never the wall clock, so that a replay decides the same way.
 * Each source partition has a watermark, the highest timestamp of the records let through from it (a dead-lettered
 * record changes nothing). A key is
 * remembered from its first record until the watermark of its partition is {@code retention} past that record's
 * timestamp; meanwhile every other record of the key is a duplicate. State is bounded by the keys first seen within
 * one retention of the watermark, per partition.
 *
 * <p>A duplicate is dead-lettered with a {@link DuplicateRecordException} that names the first record, never dropped
 * silently: the skip is committed with its checkpoint like any dead letter, and a reader of the dead letters (an
 * audit) can match every input record to its one effect. A record whose own timestamp is already {@code retention}
 * or more behind its partition's watermark is dead-lettered as late ({@link LateRecordException}): its key may have
 * been forgotten, so whether it is a duplicate can no longer be told.
 *
 * <p>Like {@link Keyed} state, the remembered keys live with the partition: co-partition the input by the
 * deduplication key (or by a key that determines it: payments keyed by account, deduplicated by account and payment
 * id), or the same key read from two partitions is let through once in each. Since the watermark follows the
 * records' timestamps, a producer that can write any timestamp can make later records of its partition late: read
 * from topics whose timestamps the broker sets ({@code message.timestamp.type=LogAppendTime}) when producers are not
 * trusted.
 *
 * <p><strong>Error Mode Support</strong>: a failing key function, or one that returns {@code null}, dead-letters the
 * record and remembers nothing of it; so does a key whose stored form UTF-8 cannot hold (an unpaired surrogate, see
 * {@link KeyEncodingException}), and a record dated more than {@link #maxTimestampAhead} (five minutes by default)
 * ahead of the processor's clock ({@link FutureTimestampException}), the one use of the wall clock. State that no
 * longer decodes stops the run with a {@link StateCodecException}, unless dropping the operator's state is allowed
 * ({@link PipelineBuilder#allowDroppingState}).
 *
 * <p><strong>Commit Semantics</strong>: the keys a checkpoint remembered (and those it forgot) commit atomically with
 * that checkpoint's output and dead letters; after a failure, replayed records meet exactly the keys of the last
 * completed checkpoint, so a record is never taken for a duplicate of its own earlier, uncommitted attempt.
 *
 * <pre>{@code
 * flux.deduplicate("payment-ids", Payment::id, Duration.ofMinutes(10))
 * flux.transform(Deduplicate.by(Payment::id, Duration.ofMinutes(10)).named("payment-ids"))
 * }</pre>
 *
 * @param <T> the record type
 * @param <K> the key type
 * @since 0.2
 */
public final class Deduplicate<T, K> implements Function<Flux<StreamElement<T>>, Flux<StreamElement<T>>> {

    /** The name of a deduplicate operator that was given none outside a {@link CheckpointedFlux}. */
    public static final String DEFAULT_NAME = "deduplicate";

    /** How far ahead of the processor's clock a record's timestamp may be, unless {@link #maxTimestampAhead} says. */
    public static final Duration DEFAULT_MAX_TIMESTAMP_AHEAD = Windows.DEFAULT_MAX_TIMESTAMP_AHEAD;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    private final Function<? super T, ? extends K> key;
    private final Duration retention;
    private final Duration maxTimestampAhead;
    private final @Nullable String name;
    private final boolean named;

    private Deduplicate(
            Function<? super T, ? extends K> key,
            Duration retention,
            Duration maxTimestampAhead,
            @Nullable String name,
            boolean named) {
        this.key = requireNonNull(key, "key");
        this.retention = requireNonNull(retention, "retention");
        this.maxTimestampAhead = requireNonNull(maxTimestampAhead, "maxTimestampAhead");
        this.name = name;
        this.named = named;
    }

    /**
     * Lets one record per key through within {@code retention} of event time.
     *
     * @param key the deduplication key of a record value: a {@code String}, a number, or a value with a
     *     deterministic JSON form (a record); two values are one key when their forms are equal
     * @param retention how long after its first record a key is remembered, in event time; at least 1 ms
     * @throws IllegalArgumentException when the retention is shorter than 1 ms
     */
    public static <T, K> Deduplicate<T, K> by(Function<? super T, ? extends K> key, Duration retention) {
        requireNonNull(retention, "retention");
        if (retention.isNegative() || retention.toMillis() < 1) {
            throw new IllegalArgumentException("retention must be at least 1 ms, was " + retention);
        }
        return new Deduplicate<>(key, retention, DEFAULT_MAX_TIMESTAMP_AHEAD, null, false);
    }

    /**
     * This operator with a name, which identifies its state in the commit point: keep it stable across versions,
     * distinct from the pipeline's other stateful operators. Required when the commit point is durable. See
     * {@link Keyed#named}.
     */
    public Deduplicate<T, K> named(String operatorName) {
        checkName(operatorName);
        return new Deduplicate<>(key, retention, maxTimestampAhead, operatorName, true);
    }

    /**
     * This operator, taking records dated at most {@code maxAhead} ahead of the processor's clock: a record dated
     * later is dead-lettered with a {@link FutureTimestampException} and remembers nothing, where it would move the
     * watermark so far that every record to come would be too late to check. Defaults to
     * {@link #DEFAULT_MAX_TIMESTAMP_AHEAD}; allow more for producers whose clocks run ahead, or for input dated in the
     * future on purpose.
     */
    public Deduplicate<T, K> maxTimestampAhead(Duration maxAhead) {
        Windows.aheadMillis(maxAhead); // refuses a negative bound
        return new Deduplicate<>(key, retention, maxAhead, name, named);
    }

    /** This operator called {@code positionalName} after its place in a chain, for want of a name of its own. */
    Deduplicate<T, K> positionallyNamed(String positionalName) {
        checkName(positionalName);
        return new Deduplicate<>(key, retention, maxTimestampAhead, positionalName, false);
    }

    private static void checkName(String operatorName) {
        requireNonNull(operatorName, "operatorName");
        if (!NAME.matcher(operatorName).matches()) {
            throw new IllegalArgumentException(
                    "deduplicate operator name must be 1 to 100 letters, digits, '.', '_', ':' or '-', was '"
                            + operatorName + "'");
        }
    }

    /** The operator's name, if it has one yet. */
    public @Nullable String name() {
        return name;
    }

    /** Whether the operator's name was given with {@link #named}, rather than made up from its position. */
    public boolean isNamed() {
        return named;
    }

    /** How long after its first record a key is remembered, in event time. */
    public Duration retention() {
        return retention;
    }

    @Override
    public Flux<StreamElement<T>> apply(Flux<StreamElement<T>> upstream) {
        return operator().apply(upstream);
    }

    /** This operator over a stream that may carry batches of records, as a pipeline's chain runs it. */
    Flux<Object> batchedOver(Flux<?> upstream) {
        return operator().batchedOver(upstream);
    }

    private DeduplicateOperator<T, K> operator() {
        return new DeduplicateOperator<T, K>(
                name != null ? name : DEFAULT_NAME, named, key, retention, Windows.aheadMillis(maxTimestampAhead));
    }
}
