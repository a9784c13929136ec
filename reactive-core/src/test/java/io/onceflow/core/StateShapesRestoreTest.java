package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential: a pipeline stopped after each of its checkpoints in turn and started again (so that every checkpoint
 * is once the one its state is restored from) commits exactly what one uninterrupted run commits, for the state
 * types users keep: an erased {@code HashMap} whose values are {@code Long}s, a sealed interface whose initial record
 * is not its later one, declared generics, {@code BigDecimal} scales with {@code Optional<Instant>}, window aggregates
 * of erased maps keyed by records, two keyed operators in a row, and removals.
 *
 * <p>Before state codecs were bound to a type, the first shape failed with a {@code ClassCastException} after the
 * first restore (an {@code Integer} where a {@code Long} was), and the second restored {@code Paid} orders as
 * {@code Opened} ones.
 */
class StateShapesRestoreTest {

    private static final int PARTITIONS = 3;

    record Spend(String account, String currency, long cents, BigDecimal amount) {}

    sealed interface Order permits Opened, Paid {
        Order apply(Spend spend);
    }

    record Opened(String account) implements Order {
        @Override
        public Order apply(Spend spend) {
            return new Paid(account, spend.amount(), 1);
        }
    }

    record Paid(String account, BigDecimal total, int payments) implements Order {
        @Override
        public Order apply(Spend spend) {
            return new Paid(account, total.add(spend.amount()), payments + 1);
        }
    }

    record Ledger(BigDecimal total, Optional<Instant> last, List<BigDecimal> amounts) {
        static Ledger empty(String account) {
            return new Ledger(BigDecimal.ZERO.setScale(3), Optional.empty(), List.of());
        }

        Ledger add(Spend spend) {
            List<BigDecimal> all = new ArrayList<>(amounts);
            all.add(spend.amount());
            return new Ledger(
                    total.add(spend.amount()), Optional.of(Instant.ofEpochMilli(spend.cents())), List.copyOf(all));
        }
    }

    record Currency(String code) {}

    static Stream<Arguments> shapes() {
        return Stream.of(
                shape(
                        "erased HashMap<String, Long> state",
                        flux -> flux.keyed(
                                "spent",
                                Spend::account,
                                account -> new HashMap<String, Long>(),
                                StateShapesRestoreTest::add)),
                shape(
                        "declared Map<String, Long> state",
                        flux -> flux.keyed(Keyed.update(
                                        Spend::account,
                                        account -> Map.<String, Long>of(),
                                        StateShapesRestoreTest::addToMap)
                                .named("spent")
                                .stateType(new StateType<Map<String, Long>>() {}))),
                shape(
                        "sealed state, inferred from its initial record",
                        flux -> flux.keyed(
                                "orders", Spend::account, account -> (Order) new Opened(account), Order::apply)),
                shape(
                        "sealed state, declared",
                        flux -> flux.keyed(
                                Keyed.update(Spend::account, account -> (Order) new Opened(account), Order::apply)
                                        .named("orders")
                                        .stateType(Order.class))),
                shape(
                        "BigDecimal scales, Optional<Instant>, lists",
                        flux -> flux.keyed("ledger", Spend::account, Ledger::empty, Ledger::add)),
                shape(
                        "window of erased maps keyed by records",
                        flux -> flux.window(WindowAggregate.of(
                                        Windows.tumbling(Duration.ofMillis(40)).allowedLateness(Duration.ofMillis(20)),
                                        spend -> new Currency(spend.currency()),
                                        HashMap<String, Long>::new,
                                        StateShapesRestoreTest::add)
                                .named("by-currency"))),
                shape(
                        "two keyed operators in a row",
                        flux -> flux.keyed(
                                        "spent",
                                        Spend::account,
                                        account -> new HashMap<String, Long>(),
                                        StateShapesRestoreTest::add)
                                .keyed("counts", spent -> spent.size(), size -> 0L, (count, spent) -> count + 1)),
                shape(
                        "removals",
                        flux -> flux.keyed(Keyed.<Spend, String, Long, String>process(
                                        Spend::account, account -> 0L, (account, total, spend, out) -> {
                                            long next = total + spend.cents();
                                            out.accept(account + "=" + next);
                                            return next % 3 == 0 ? null : next; // removed now and then
                                        })
                                .named("totals"))));
    }

    private static Arguments shape(String name, Function<CheckpointedFlux<Spend>, CheckpointedFlux<?>> chain) {
        return Arguments.of(name, chain);
    }

    private static HashMap<String, Long> add(HashMap<String, Long> spent, Spend spend) {
        HashMap<String, Long> next = new HashMap<>(spent);
        next.merge(spend.currency(), spend.cents(), Long::sum); // ClassCastException if a value came back an Integer
        return next;
    }

    private static Map<String, Long> addToMap(Map<String, Long> spent, Spend spend) {
        return add(new HashMap<>(spent), spend);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void restoringFromEveryCheckpointCommitsWhatOneRunCommits(
            String shape, Function<CheckpointedFlux<Spend>, CheckpointedFlux<?>> chain) {
        Map<Integer, List<Object>> expected = committed(chain, -1).perPartition;
        assertThat(expected.values().stream().mapToInt(List::size).sum()).isGreaterThan(0);
        int checkpoints = committed(chain, -1).checkpoints;
        for (int stopAfter = 1; stopAfter < checkpoints; stopAfter++) {
            Outcome restored = committed(chain, stopAfter);
            assertThat(restored.deadLetters)
                    .as("%s, restored after checkpoint %d", shape, stopAfter)
                    .isEmpty();
            assertThat(restored.perPartition)
                    .as("%s, restored after checkpoint %d", shape, stopAfter)
                    .isEqualTo(expected);
        }
    }

    private record Outcome(Map<Integer, List<Object>> perPartition, int checkpoints, List<DeadLetter<?>> deadLetters) {}

    @SuppressWarnings("unchecked")
    private static Outcome committed(Function<CheckpointedFlux<Spend>, CheckpointedFlux<?>> chain, int stopAfter) {
        TestSource<Spend> source = TestSource.create("spends", PARTITIONS);
        String[] accounts = {"a", "b", "c", "d", "e"};
        String[] currencies = {"EUR", "USD", "CHF"};
        for (int i = 0; i < 120; i++) {
            String account = accounts[(i * 7) % accounts.length];
            Spend spend = new Spend(
                    account,
                    currencies[i % currencies.length],
                    1_000L + i,
                    BigDecimal.valueOf(100 + i * 37L, i % 4)); // scales 0 to 3
            source.emitAt(Math.floorMod(account.hashCode(), PARTITIONS), i * 3L, spend);
        }
        source.complete();
        InMemoryCommitPoint<Object> sink = InMemoryCommitPoint.create("out").withDeadLetters();
        if (stopAfter >= 0) {
            pipeline(source, sink, chain).run().take(stopAfter).blockLast(Duration.ofSeconds(30));
        }
        pipeline(source, sink, chain).run().blockLast(Duration.ofSeconds(30));
        Map<Integer, List<Object>> perPartition = new TreeMap<>();
        for (Data<Object> record : sink.committedRecords()) {
            perPartition
                    .computeIfAbsent(record.origin().partition(), p -> new ArrayList<>())
                    .add(record.value());
        }
        return new Outcome(perPartition, (int) sink.lastCheckpoint(), sink.deadLetters());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Pipeline pipeline(
            TestSource<Spend> source,
            InMemoryCommitPoint<Object> sink,
            Function<CheckpointedFlux<Spend>, CheckpointedFlux<?>> chain) {
        CheckpointedFlux<Object> flux = (CheckpointedFlux) chain.apply(Onceflow.pipeline("shapes")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(13)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source));
        return flux.to(sink);
    }
}
