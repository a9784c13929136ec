package io.onceflow.demo;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The payments ledger, in memory: payments flow through a keyed running balance into a commit point (the ledger)
 * and an idempotent participant (the balances table), while both fail at random protocol steps. The audit at the
 * end recomputes every balance from the input and checks each payment had exactly one effect.
 *
 * <p>Arguments: {@code [payments] [accounts] [failure probability]}, by default 100000, 1000 and 0.2. Exits 0 only
 * when the audit is exact. The Spring WebFlux demo on Kafka and PostgreSQL replaces this once it exists.
 */
public final class LedgerDemo {

    private LedgerDemo() {}

    /** A payment, with an id unique over the input. */
    record Payment(long id, String account, long cents) {}

    /** An account's running balance, with the payment that made it. */
    record Balance(String account, long cents, long payments, long lastPaymentId) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0, -1);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.cents(), payments + 1, payment.id());
        }
    }

    public static void main(String[] args) {
        int payments = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int accounts = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        double failureProbability = args.length > 2 ? Double.parseDouble(args[2]) : 0.2;
        System.exit(run(payments, accounts, failureProbability) ? 0 : 1);
    }

    /** Runs the ledger and prints the audit; true when it is exact. */
    static boolean run(int payments, int accounts, double failureProbability) {
        Random random = new Random(1);
        TestSource<Payment> source = TestSource.create("payments", 4);
        Map<String, Long> expected = new HashMap<>();
        for (long id = 0; id < payments; id++) {
            String account = "acct-" + random.nextInt(accounts);
            long cents = 1 + random.nextInt(100_000);
            expected.merge(account, cents, Long::sum);
            source.emitTo(Math.floorMod(account.hashCode(), 4), new Payment(id, account, cents));
        }
        source.complete();

        InMemoryCommitPoint<Balance> ledger = InMemoryCommitPoint.<Balance>create("ledger")
                .failRandomly(
                        failureProbability,
                        7,
                        ProtocolStep.BEFORE_COMMIT,
                        ProtocolStep.AFTER_COMMIT,
                        ProtocolStep.RECOVER);
        InMemoryIdempotentSink<Balance, String> balances = InMemoryIdempotentSink.<Balance, String>create(
                        "balances", Balance::account)
                .failRandomly(failureProbability, 11, ProtocolStep.FLUSH);
        Pipeline pipeline = Onceflow.pipeline("ledger")
                .checkpointEvery(Duration.ofMillis(100))
                .checkpointAfterRecords(1_000)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(1_000)
                        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(10)))
                .from(source)
                .filter(payment -> payment.cents() > 0)
                .keyed(Payment::account, Balance::empty, Balance::apply)
                .to(ledger, balances);

        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        pipeline.run()
                .doOnNext(event -> (event.completed() ? completed : failed).incrementAndGet())
                .filter(CheckpointEvent::completed)
                .sample(Duration.ofMillis(500))
                .doOnNext(event -> System.out.printf(
                        "checkpoint %d: %d payments committed%n",
                        event.checkpointId(), ledger.committed().size()))
                .blockLast(Duration.ofMinutes(10));
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<Long, Integer> effects = new HashMap<>();
        for (Balance balance : ledger.committed()) {
            effects.merge(balance.lastPaymentId(), 1, Integer::sum);
        }
        long duplicates = effects.values().stream().filter(count -> count > 1).count();
        long losses = payments - effects.size();
        long wrongBalances = expected.entrySet().stream()
                .filter(e -> {
                    Balance balance = balances.table().get(e.getKey());
                    return balance == null || balance.cents() != e.getValue();
                })
                .count();
        boolean exact = duplicates == 0 && losses == 0 && wrongBalances == 0;
        System.out.println();
        System.out.println("| audit | value |");
        System.out.println("|---|---:|");
        System.out.printf("| payments in | %d |%n", payments);
        System.out.printf(
                "| ledger entries committed | %d |%n", ledger.committed().size());
        System.out.printf("| checkpoints completed / failed | %d / %d |%n", completed.get(), failed.get());
        System.out.printf("| failures injected | %d |%n", ledger.injectedFailures() + balances.injectedFailures());
        System.out.printf("| restarts | %d |%n", pipeline.status().restarts());
        System.out.printf(
                "| replayed writes suppressed by the idempotent sink | %d |%n", balances.suppressedDuplicates());
        System.out.printf("| duplicates | %d |%n", duplicates);
        System.out.printf("| losses | %d |%n", losses);
        System.out.printf("| accounts with a wrong balance | %d of %d |%n", wrongBalances, expected.size());
        System.out.printf("| wall time | %.1f s |%n", seconds);
        System.out.println(exact ? "\nAUDIT EXACT" : "\nAUDIT FAILED");
        return exact;
    }
}
