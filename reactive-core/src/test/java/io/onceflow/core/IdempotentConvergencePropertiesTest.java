package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Property: after any sequence of failures and replays, each row of an idempotent sink equals the last write of its
 * key in the commit point's committed output, in the shapes where a version derived from the origin alone went
 * wrong:
 * <ul>
 *   <li>a record writing two rows of one key ({@code flatMap(v -> draft, final)}): the second is the newer;
 *   <li>a {@code flatMap} with concurrency whose inner publishers finish out of order, before a keyed operator: the
 *       newest state must carry the newest version (before {@code flatMap} kept its records' order, the table stayed
 *       at an older balance while the commit point had the newer one).
 * </ul>
 */
class IdempotentConvergencePropertiesTest {

    private static final int PARTITIONS = 2;

    record Payment(int account, int amount) {}

    record Total(int account, long total) {}

    record Row(int account, String version, long total) {}

    @Property(tries = 40)
    void everyRowEqualsTheLastCommittedWriteOfItsKey(
            @ForAll @Size(min = 1, max = 120) List<@IntRange(min = 0, max = 6) Integer> accounts,
            @ForAll @IntRange(min = 1, max = 25) int checkpointEvery,
            @ForAll @IntRange(min = 1, max = 10_000) int seed) {
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        for (int i = 0; i < accounts.size(); i++) {
            source.emitTo(accounts.get(i) % PARTITIONS, new Payment(accounts.get(i), i + 1));
        }
        source.complete();
        InMemoryCommitPoint<Row> ledger = InMemoryCommitPoint.create("ledger");
        InMemoryIdempotentSink<Row, Integer> table = InMemoryIdempotentSink.create("rows", Row::account);
        ledger.failRandomly(0.3, seed, ProtocolStep.BEFORE_COMMIT, ProtocolStep.AFTER_COMMIT);
        table.failRandomly(0.1, seed + 1, ProtocolStep.FLUSH);
        Random delays = new Random(seed);

        Onceflow.pipeline("converge")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(checkpointEvery)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ZERO, Duration.ofMillis(1)))
                .from(source)
                // asynchronous work that finishes out of order
                .flatMap(
                        payment -> Mono.just(payment)
                                .delayElement(Duration.ofMillis(delays.nextInt(3)), Schedulers.parallel()),
                        4)
                .keyed(
                        "totals",
                        Payment::account,
                        account -> new Total(account, 0),
                        (Total t, Payment p) -> new Total(t.account(), t.total() + p.amount()))
                // a second keyed operator, counting the totals it sees per account
                .keyed(Keyed.<Total, Integer, Integer, Total>process(Total::account, key -> 0, (key, seen, t, out) -> {
                            out.accept(t);
                            return seen + 1;
                        })
                        .named("seen"))
                // one record, two rows of its account: a draft, then the final one
                .flatMap(
                        t -> Flux.just(
                                new Row(t.account(), "draft", t.total()), new Row(t.account(), "final", t.total())),
                        1)
                .to(ledger, table)
                .run()
                .blockLast(Duration.ofSeconds(60));

        Map<Integer, Row> lastCommitted = new LinkedHashMap<>();
        for (Row row : ledger.committed()) {
            lastCommitted.put(row.account(), row);
        }
        assertThat(table.table()).isEqualTo(lastCommitted);
        assertThat(table.table().values())
                .allSatisfy(row -> assertThat(row.version()).isEqualTo("final"));
    }
}
