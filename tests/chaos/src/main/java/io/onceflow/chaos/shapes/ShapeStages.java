package io.onceflow.chaos.shapes;

import io.onceflow.core.Checkpointed;
import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.Keyed;
import io.onceflow.core.StateCodec;
import io.onceflow.core.StateType;
import io.onceflow.core.WindowAggregate;
import io.onceflow.core.WindowResult;
import io.onceflow.core.Windows;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Schedulers;

/**
 * Builds a shape's operators, the same way in a processor and in the oracle. Every stage keeps each number's source
 * partition; user functions throw for some values (their records become dead letters); the keyed stages keep state of
 * five kinds (a number, a record, an erased map, a sealed hierarchy, a generic record with decimals and instants),
 * with {@code Keyed.process} and with both forms of {@code Keyed.update}, which the stateless steps before it join; the
 * windows are event-time windows with lateness; deduplication dead-letters repeats of a key within a retention of event
 * time. Stateless and {@code Keyed.update} stages are applied fluently or with {@code Flux.transform}, by their
 * parameter ({@link #viaTransform}).
 */
public final class ShapeStages {

    /** The name of the last stage, which numbers each partition's outputs. */
    public static final String NUMBERING = "numbering";

    /** A keyed stage's state that alternates between two record types. */
    public sealed interface Phase permits Even, Odd {}

    public record Even(long total) implements Phase {}

    public record Odd(long total, BigDecimal last) implements Phase {}

    /** A keyed stage's state of generic collections. */
    public record Ledger(Map<String, List<BigDecimal>> amounts, Optional<Instant> last) {}

    private ShapeStages() {}

    /** The shape's stages, then the numbering. */
    public static CheckpointedFlux<Output> build(CheckpointedFlux<Tagged> flux, List<Stage> stages) {
        CheckpointedFlux<Tagged> staged = flux;
        for (int i = 0; i < stages.size(); i++) {
            staged = apply(staged, stages.get(i), "s" + i);
        }
        return staged.keyed(Keyed.<Tagged, Integer, Long, Output>process(
                        Tagged::partition, partition -> 0L, (partition, count, tagged, out) -> {
                            out.accept(new Output(tagged.partition(), count, tagged.value()));
                            return count + 1;
                        })
                .named(NUMBERING));
    }

    /** The non-negative remainder, as a long (a key). */
    static long mod(long value, long divisor) {
        return Math.floorMod(value, divisor);
    }

    /** A poison value: user functions throw for these, and their records become dead letters. */
    static long checked(long value, int parameter) {
        if (value % 97 == parameter % 97 && parameter % 3 == 0) {
            throw new IllegalArgumentException("poison " + value);
        }
        return value;
    }

    /** One stage, named {@code name} where it keeps state. */
    public static CheckpointedFlux<Tagged> apply(CheckpointedFlux<Tagged> flux, Stage stage, String name) {
        int p = stage.parameter();
        return switch (stage.kind()) {
            case MAP -> {
                Function<Tagged, Tagged> mapper = t -> t.with(checked(t.value(), p) * 3 + p);
                yield viaTransform(p) ? flux.transform(Checkpointed.map(mapper)) : flux.map(mapper);
            }
            case FILTER -> {
                Predicate<Tagged> predicate = t -> checked(t.value(), p) % (2 + p % 5) != 0;
                yield viaTransform(p) ? flux.transform(Checkpointed.filter(predicate)) : flux.filter(predicate);
            }
            case HANDLE -> {
                BiConsumer<Tagged, SynchronousSink<Tagged>> handler = (t, sink) -> {
                    if (t.value() % 4 != p % 4) {
                        sink.next(t.with(checked(t.value(), p) + 1));
                    }
                };
                yield viaTransform(p) ? flux.transform(Checkpointed.handle(handler)) : flux.handle(handler);
            }
            case FLAT_MAP ->
                flux.flatMap(
                        t -> Flux.range(0, (int) mod(t.value(), 3))
                                .map(i -> t.with(checked(t.value(), p) * 10 + i))
                                .concatMap(out -> (out.value() + p) % 3 == 0
                                        // out of order inside the stage: the operator must restore the order
                                        ? Mono.just(out).delayElement(Duration.ofMillis(1), Schedulers.parallel())
                                        : Mono.just(out)),
                        1 + p % 4);
            case CONCAT_MAP -> flux.concatMap(t -> Flux.just(t.with(checked(t.value(), p)), t.with(t.value() + p)));
            case KEYED_LONG ->
                flux.keyed(Keyed.<Tagged, Long, Long, Tagged>process(
                                t -> mod(t.value(), 2 + p % 7), key -> 0L, (key, sum, t, out) -> {
                                    long next = sum + checked(t.value(), p);
                                    out.accept(t.with(next));
                                    return next;
                                })
                        .named(name));
            case KEYED_UPDATE -> {
                // the key's running sum is its state and the output; the state's partition is the record's own
                Keyed<Tagged, Long, Tagged, Tagged> sums = Keyed.<Tagged, Long, Tagged>update(
                                t -> mod(t.value(), 2 + p % 6),
                                key -> new Tagged(0, 0),
                                (sum, t) -> t.with(sum.value() + checked(t.value(), p)))
                        .named(name);
                yield viaTransform(p) ? flux.transform(sums) : flux.keyed(sums);
            }
            case KEYED_UPDATE_OUTPUT -> {
                // a count per key, and an output for most records: none where the output function returns null
                Keyed<Tagged, Long, Long, Tagged> counts = Keyed.<Tagged, Long, Long, Tagged>update(
                                t -> mod(t.value(), 3 + p % 5),
                                key -> 0L,
                                (count, t) -> count + 1 + checked(t.value(), p) % 2,
                                (count, t) -> (count + p) % 4 == 0 ? null : t.with(count * 100 + t.value() % 100))
                        .named(name);
                yield viaTransform(p) ? flux.transform(counts) : flux.keyed(counts);
            }
            case KEYED_ERASED_MAP ->
                flux.keyed(Keyed.<Tagged, Long, HashMap<String, Long>, Tagged>process(
                                t -> mod(t.value(), 2 + p % 5),
                                key -> new HashMap<String, Long>(),
                                (key, counts, t, out) -> {
                                    HashMap<String, Long> next = new HashMap<>(counts);
                                    next.merge("c" + mod(checked(t.value(), p), 3), t.value(), Long::sum);
                                    out.accept(t.with(next.values().stream()
                                            .mapToLong(Long::longValue)
                                            .sum()));
                                    return next.size() > 2 && t.value() % 5 == 0 ? null : next; // removed at times
                                })
                        .named(name));
            case KEYED_SEALED ->
                flux.keyed(Keyed.<Tagged, Long, Phase, Tagged>process(
                                t -> mod(t.value(), 2 + p % 3), key -> new Even(0), (key, phase, t, out) -> {
                                    long value = checked(t.value(), p);
                                    Phase next = phase instanceof Even even
                                            ? new Odd(even.total() + value, BigDecimal.valueOf(value, 2))
                                            : new Even(((Odd) phase).total() + value);
                                    out.accept(t.with(next instanceof Even e ? e.total() : ((Odd) next).total() + 1));
                                    return next;
                                })
                        .named(name));
            case KEYED_GENERIC_RECORD ->
                flux.keyed(Keyed.<Tagged, Long, Ledger, Tagged>process(
                                t -> mod(t.value(), 2 + p % 4),
                                key -> new Ledger(Map.of(), Optional.empty()),
                                (key, ledger, t, out) -> {
                                    Map<String, List<BigDecimal>> amounts = new TreeMap<>(ledger.amounts());
                                    String slot = "a" + mod(t.value(), 2);
                                    List<BigDecimal> list = new ArrayList<>(amounts.getOrDefault(slot, List.of()));
                                    list.add(BigDecimal.valueOf(checked(t.value(), p), (int) mod(t.value(), 4)));
                                    amounts.put(slot, List.copyOf(list));
                                    out.accept(t.with((long) list.size() * 1000 + t.value()));
                                    return new Ledger(amounts, Optional.of(Instant.ofEpochMilli(t.value())));
                                })
                        .named(name)
                        .stateType(new StateType<Ledger>() {}));
            case TUMBLING_WINDOW ->
                flux.window(WindowAggregate.of(
                                        Windows.tumbling(Duration.ofMillis(20 + p % 30))
                                                .allowedLateness(Duration.ofMillis(p % 25)),
                                        (Tagged t) -> t.partition() + "/" + mod(t.value(), 3),
                                        () -> 0L,
                                        (Long sum, Tagged t) -> sum + checked(t.value(), p))
                                .named(name))
                        .map(result -> tagged(result, result.value() * 2 + (result.update() ? 1 : 0)));
            case SLIDING_WINDOW ->
                flux.window(WindowAggregate.of(
                                        Windows.sliding(Duration.ofMillis(40), Duration.ofMillis(20))
                                                .allowedLateness(Duration.ofMillis(p % 15)),
                                        (Tagged t) -> t.partition() + (t.value() % 2 == 0 ? "/even" : "/odd"),
                                        () -> 0L,
                                        (Long sum, Tagged t) -> sum + checked(t.value(), p))
                                .named(name))
                        .map(result -> tagged(result, result.value() + result.start() % 1_000_000));
            case DEDUPLICATE ->
                // repeats within the retention are dead-lettered; the key's partition is the record's own
                flux.deduplicate(name, t -> mod(t.value(), 7 + p % 13), Duration.ofMillis(30 + p % 300));
            case BROKEN_CODEC ->
                flux.keyed(Keyed.<Tagged, Long, Long, Tagged>process(
                                t -> mod(t.value(), 3), key -> 0L, (key, sum, t, out) -> {
                                    out.accept(t.with(sum + t.value()));
                                    return sum + t.value();
                                })
                        .named(name)
                        .stateCodec(new HalvingCodec()));
        };
    }

    /** Whether a stage of this parameter is applied with {@code Flux.transform} rather than the fluent operator. */
    static boolean viaTransform(int parameter) {
        return parameter % 2 == 1;
    }

    /** A window's result, in the partition its key names. */
    private static Tagged tagged(WindowResult<String, Long> result, long value) {
        String key = result.key();
        return new Tagged(Integer.parseInt(key.substring(0, key.indexOf('/'))), value);
    }

    /** Loses half of every sum it stores: a state codec the oracle must catch. */
    private static final class HalvingCodec implements StateCodec<Long> {
        @Override
        public byte[] encode(Long state) {
            return Long.toString(state / 2).getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public Long decode(byte[] bytes) {
            return Long.valueOf(new String(bytes, StandardCharsets.US_ASCII));
        }
    }
}
