package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The in-memory crash campaign: a keyed running balance over 100,000 payments while both participants fail at
 * random protocol steps more than a thousand times. The check is independent of the pipeline's own counters: it
 * recomputes every expected balance from the input and looks for each payment's effect in the committed output.
 */
class InMemoryCrashTest {

    private static final int PARTITIONS = 4;
    private static final int ACCOUNTS = 1_000;
    private static final int PAYMENTS = 100_000;

    /** A payment with a sequence number unique over the input. */
    record Payment(long id, String account, long cents) {}

    /** The running balance, with the id of the payment that produced it. */
    record Balance(String account, long cents, long payments, long lastPaymentId) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0, -1);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.cents(), payments + 1, payment.id());
        }
    }

    @Test
    void everyPaymentHasExactlyOneEffectDespiteAThousandFailures() {
        Random random = new Random(42);
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        List<Payment> input = new ArrayList<>(PAYMENTS);
        for (long id = 0; id < PAYMENTS; id++) {
            String account = "acct-" + random.nextInt(ACCOUNTS);
            Payment payment = new Payment(id, account, 1 + random.nextInt(10_000));
            input.add(payment);
            source.emitTo(Math.floorMod(account.hashCode(), PARTITIONS), payment);
        }
        source.complete();

        InMemoryCommitPoint<Balance> ledger = InMemoryCommitPoint.<Balance>create("ledger")
                .failRandomly(
                        0.3,
                        7,
                        ProtocolStep.OPEN,
                        ProtocolStep.RECOVER,
                        ProtocolStep.BEFORE_COMMIT,
                        ProtocolStep.AFTER_COMMIT);
        InMemoryIdempotentSink<Balance, String> balances = InMemoryIdempotentSink.<Balance, String>create(
                        "balances", Balance::account)
                .failRandomly(0.2, 11, ProtocolStep.FLUSH);
        Pipeline pipeline = Onceflow.pipeline("crash")
                .checkpointEvery(Duration.ofMillis(50))
                .checkpointAfterRecords(100)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(2)))
                .from(source)
                .keyed(Payment::account, Balance::empty, Balance::apply)
                .to(ledger, balances);

        pipeline.run().blockLast(Duration.ofMinutes(5));
        System.out.println("status " + pipeline.status() + " commits " + ledger.commits() + " committed "
                + ledger.committed().size() + " opens " + source.opens());

        int failures = ledger.injectedFailures() + balances.injectedFailures();
        assertThat(failures).as("injected failures").isGreaterThanOrEqualTo(1_000);
        assertThat(source.opens()).as("runs").isGreaterThan(1_000);

        // Independent check: each payment's effect appears exactly once, in per-account order, with exact sums.
        Map<String, List<Payment>> byAccount = new HashMap<>();
        input.forEach(p ->
                byAccount.computeIfAbsent(p.account(), a -> new ArrayList<>()).add(p));
        Map<Long, Integer> effects = new HashMap<>();
        Map<String, List<Balance>> committedByAccount = new HashMap<>();
        for (Balance balance : ledger.committed()) {
            effects.merge(balance.lastPaymentId(), 1, Integer::sum);
            committedByAccount
                    .computeIfAbsent(balance.account(), a -> new ArrayList<>())
                    .add(balance);
        }
        long duplicates = effects.values().stream().filter(n -> n > 1).count();
        long losses = input.stream().filter(p -> !effects.containsKey(p.id())).count();
        assertThat(duplicates).as("duplicates").isZero();
        assertThat(losses).as("losses").isZero();
        assertThat(ledger.committed()).hasSize(PAYMENTS);
        byAccount.forEach((account, payments) -> {
            List<Balance> seen = committedByAccount.get(account);
            long sum = 0;
            for (int i = 0; i < payments.size(); i++) {
                sum += payments.get(i).cents();
                assertThat(seen.get(i))
                        .isEqualTo(
                                new Balance(account, sum, i + 1, payments.get(i).id()));
            }
            assertThat(balances.table().get(account)).isEqualTo(seen.get(seen.size() - 1));
        });
        assertThat(ledger.committedPositions().asMap().values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isEqualTo(PAYMENTS);
        System.out.printf(
                "in-memory crash test: %d payments, %d injected failures, %d runs, %d commits, %d suppressed"
                        + " duplicates in the idempotent sink, 0 duplicates, 0 losses%n",
                PAYMENTS, failures, source.opens(), ledger.commits(), balances.suppressedDuplicates());
    }
}
