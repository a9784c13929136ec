package io.onceflow.core;

import static io.onceflow.core.Ledger.balance;
import static io.onceflow.core.Ledger.payment;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Ledger.Balance;
import io.onceflow.core.Ledger.Payment;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Records of a key read from another partition than the key's: with a {@link KeyPartitioner}, dead-lettered with the
 * reason; without one, they start a second copy of the key's state (the demo's ledger was corrupted that way by
 * valid payments produced with another key).
 */
class KeyPartitionTest {

    private static final int PARTITIONS = 3;

    /** Which partition each account is produced to. */
    private static final KeyPartitioner<String> BY_ACCOUNT =
            (account, partitions) -> Math.floorMod(account.hashCode(), partitions);

    private static int home(String account) {
        return BY_ACCOUNT.partition(account, PARTITIONS);
    }

    private static InMemoryCommitPoint<Balance> run(Keyed<Payment, String, Balance, Balance> keyed) {
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        source.emitTo(home("acct-1"), payment("acct-1", 10), payment("acct-1", 5));
        source.emitTo((home("acct-1") + 1) % PARTITIONS, payment("acct-1", 1)); // produced with another key
        source.emitTo(home("acct-1"), payment("acct-1", 7));
        source.complete();
        InMemoryCommitPoint<Balance> sink =
                InMemoryCommitPoint.<Balance>create().withDeadLetters();
        Onceflow.pipeline("partitions")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(2)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .keyed(keyed)
                .to(sink)
                .run()
                .blockLast(Duration.ofSeconds(10));
        return sink;
    }

    @Test
    void aRecordOfAKeyFromAnotherPartitionIsDeadLetteredWithTheReason() {
        InMemoryCommitPoint<Balance> sink = run(Keyed.update(Payment::account, Balance::empty, Balance::apply)
                .named("balances")
                .partitionedBy(BY_ACCOUNT));

        assertThat(sink.committed())
                .containsExactly(balance("acct-1", 10, 1), balance("acct-1", 15, 2), balance("acct-1", 22, 3));
        assertThat(sink.deadLetters()).singleElement().satisfies(dead -> {
            assertThat(dead.origin().partition()).isEqualTo((home("acct-1") + 1) % PARTITIONS);
            assertThat(dead.errorClass()).isEqualTo(KeyPartitionException.class.getName());
            assertThat(dead.errorMessage())
                    .contains("the key 'acct-1' belongs to partition " + home("acct-1") + " of payments (3 partitions)")
                    .contains("would start a second copy of that key's state");
        });
        assertThat(sink.committedState("balances")).containsOnlyKeys("payments-" + home("acct-1") + "/acct-1");
    }

    @Test
    void withoutAPartitionerTheRecordStartsASecondCopyOfTheState() {
        InMemoryCommitPoint<Balance> sink = run(
                Keyed.update(Payment::account, Balance::empty, Balance::apply).named("balances"));

        // what the check prevents: a second balance chain for acct-1, starting over at 1
        assertThat(sink.committed()).contains(balance("acct-1", 1, 1));
        assertThat(sink.committedState("balances")).hasSize(2);
    }
}
