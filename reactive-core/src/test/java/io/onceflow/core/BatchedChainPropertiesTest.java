package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.internal.batch.Batches;
import io.onceflow.core.internal.batch.RecordBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import reactor.core.publisher.Flux;

/**
 * Property: a chain over batches of records (as a pipeline's source stage hands on a Kafka poll) emits exactly the
 * elements the same chain emits over one element per record: the same outputs with the same origins, the same dead
 * letters in the same places, the same markers with the same state changes. Random values, marker places, batch cuts,
 * unreadable records among them, and failing user functions at every step; chains that stay batched from the source
 * to the end (map, filter, handle, keyed updates) and chains that leave batches midway (a keyed processor, a window).
 */
class BatchedChainPropertiesTest {

    private static final String SOURCE = "test";

    /**
     * An input stream of one partition: values ({@code null} for a record that could not be read), after which of them
     * a marker comes, and after which of them a batch ends (one always ends at a marker; a batch of one record is
     * that record's element).
     */
    record Script(List<Integer> values, List<Boolean> markerAfter, List<Boolean> batchEndsAfter) {

        List<StreamElement<Integer>> elements() {
            List<StreamElement<Integer>> elements = new ArrayList<>();
            long checkpoint = 0;
            for (int i = 0; i < values.size(); i++) {
                elements.add(record(i));
                if (markerAfter.get(i)) {
                    elements.add(marker(++checkpoint, i));
                }
            }
            return elements;
        }

        List<Object> batches() {
            List<Object> elements = new ArrayList<>();
            long checkpoint = 0;
            RecordBatch<Integer> batch = new RecordBatch<>(SOURCE, 0, 4);
            for (int i = 0; i < values.size(); i++) {
                batch.add(record(i));
                boolean marker = markerAfter.get(i);
                if (marker || batchEndsAfter.get(i) || i == values.size() - 1) {
                    // a record alone goes as its own element, as a source that does not batch emits it: the stages
                    // take both in one stream
                    elements.add(batch.size() == 1 ? batch.element(0) : batch);
                    batch = new RecordBatch<>(SOURCE, 0, 4);
                }
                if (marker) {
                    elements.add(marker(++checkpoint, i));
                }
            }
            return elements;
        }

        private StreamElement<Integer> record(int offset) {
            Origin origin = new Origin(SOURCE, 0, offset, 1_000L * offset);
            Integer value = values.get(offset);
            if (value == null) {
                return new DeadLetter<>(origin, "deserialize", null, new IllegalArgumentException("unreadable"));
            }
            return new Data<>(value, origin);
        }

        private static Marker<Integer> marker(long checkpoint, int offset) {
            return Marker.of(checkpoint, Positions.of(Map.of(new SourcePartition(SOURCE, 0), offset + 1L)));
        }
    }

    @Provide
    Arbitrary<Script> scripts() {
        return Arbitraries.integers()
                .between(1, 300)
                .flatMap(size -> Combinators.combine(
                                Arbitraries.integers()
                                        .between(-500, 500)
                                        .injectNull(0.03)
                                        .list()
                                        .ofSize(size),
                                Arbitraries.of(true, false, false, false, false, false)
                                        .list()
                                        .ofSize(size),
                                Arbitraries.of(true, false, false).list().ofSize(size))
                        .as(Script::new));
    }

    /** The chains: each over the same values, with failing functions in every user step. */
    enum Chain {
        STEPS_THEN_KEYED_UPDATE(flux -> flux.map(v -> failingAt(v % 11 == 0, v * 2))
                .filter(v -> v % 3 != 0)
                .<Integer>handle((v, sink) -> {
                    if (v % 13 == 0) {
                        sink.error(new IllegalStateException("thirteen"));
                    } else if (v % 5 != 0) {
                        sink.next(v + 1);
                    }
                })
                .keyed("sums", v -> Math.floorMod(v, 7), key -> 0, (sum, v) -> {
                    if (v % 17 == 0) {
                        throw new IllegalArgumentException("seventeen");
                    }
                    return sum + v;
                })),

        TWO_KEYED_UPDATES_WITH_STEPS_BETWEEN(flux -> flux.keyed(
                        "counts", v -> Math.floorMod(v, 5), key -> 0, (n, v) -> {
                            if (v == 0) {
                                throw new ArithmeticException("zero");
                            }
                            return n + 1;
                        })
                .map(n -> n * 10)
                .filter(n -> n % 3 != 0)
                .keyed("totals", n -> Math.floorMod(n, 4), key -> 0, (total, n) -> total + n)),

        KEYED_PROCESSOR_LEAVES_BATCHES(flux -> flux.map(v -> v + 1)
                .keyed(Keyed.<Integer, Integer, Integer, String>process(
                                v -> Math.floorMod(v, 3), key -> 0, (key, count, v, out) -> {
                                    if (v % 19 == 0) {
                                        throw new IllegalStateException("nineteen");
                                    }
                                    if (v % 2 == 0) {
                                        out.accept("even " + v);
                                        out.accept("after " + count);
                                    }
                                    return count + 1;
                                })
                        .named("processed"))
                .map(String::length)
                .keyed("lengths", length -> length % 2, key -> 0, Integer::sum)),

        MAP_DEDUPLICATE_KEYED_LIKE_THE_LEDGER(flux -> flux.map(v -> failingAt(v % 29 == 0, v))
                .deduplicate("ids", v -> failingAt(v % 31 == 0, Math.floorMod(v, 60)), Duration.ofSeconds(40))
                .keyed("balances", v -> Math.floorMod(v, 6), key -> 0, Integer::sum)),

        DEDUPLICATE_THEN_WINDOW_LEAVES_BATCHES(flux -> flux.deduplicate("ids", v -> v, Duration.ofSeconds(20))
                .window(
                        Windows.tumbling(Duration.ofSeconds(10)).named("tens"),
                        v -> Math.floorMod(v, 3),
                        () -> 0,
                        (count, v) -> count + 1)
                .map(result -> result.value() * 100 + result.key())),

        UPDATE_THEN_TRANSFORM(flux -> flux.keyed("sums", v -> Math.floorMod(v, 9), key -> 0, Integer::sum)
                .transform(Checkpointed.filter(sum -> sum % 4 != 0))
                .map(sum -> failingAt(sum % 23 == 0, sum)));

        final Function<CheckpointedFlux<Integer>, CheckpointedFlux<Integer>> chain;

        Chain(Function<CheckpointedFlux<Integer>, CheckpointedFlux<Integer>> chain) {
            this.chain = chain;
        }
    }

    /** {@code value}, or a failure when {@code fail}: a user function that throws on some records. */
    private static int failingAt(boolean fail, int value) {
        if (fail) {
            throw new IllegalStateException("failing at " + value);
        }
        return value;
    }

    @Property(tries = 300)
    void aChainOverBatchesEmitsWhatItEmitsOverOneElementPerRecord(
            @ForAll("scripts") Script script, @ForAll Chain chain) {
        List<Object> perRecord = described(chain.chain
                .apply(CheckpointedFlux.of(Flux.fromIterable(script.elements())))
                .elements());
        List<Object> batched = described(chain.chain
                .apply(Batches.checkpointed(Flux.fromIterable(script.batches())))
                .elements());

        assertThat(batched).isEqualTo(perRecord);
    }

    @Property(tries = 100)
    void aChainLeftInBatchesCarriesTheSameRecordsInTheSameOrder(
            @ForAll("scripts") Script script, @ForAll @IntRange(min = 0, max = 1) int which) {
        Chain chain = which == 0 ? Chain.STEPS_THEN_KEYED_UPDATE : Chain.TWO_KEYED_UPDATES_WITH_STEPS_BETWEEN;
        List<Object> perRecord = described(chain.chain
                .apply(CheckpointedFlux.of(Flux.fromIterable(script.elements())))
                .elements());
        // the stream a pipeline's sink stage reads, unbatched here by hand
        List<Object> batched =
                described(Batches.stream(chain.chain.apply(Batches.checkpointed(Flux.fromIterable(script.batches()))))
                        .concatMapIterable(element -> element instanceof RecordBatch<?> batch
                                ? batch.<Integer>elements()
                                : List.of((StreamElement<Integer>) element)));

        assertThat(batched).isEqualTo(perRecord);
    }

    /** Each element as a value that compares by content (a dead letter's failure by its class and message). */
    private static List<Object> described(Flux<? extends StreamElement<?>> elements) {
        List<Object> described = new ArrayList<>();
        for (StreamElement<?> element : elements.collectList().block()) {
            if (element instanceof Data<?> record) {
                described.add(record);
            } else if (element instanceof DeadLetter<?> deadLetter) {
                described.add(List.of(
                        "dead letter",
                        deadLetter.origin(),
                        deadLetter.stage(),
                        String.valueOf(deadLetter.payload()),
                        deadLetter.errorClass(),
                        deadLetter.errorMessage()));
            } else {
                Marker<?> marker = (Marker<?>) element;
                described.add(
                        List.of(marker.checkpointId(), marker.positions(), new ArrayList<>(marker.stateChanges())));
            }
        }
        return described;
    }
}
