package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.TransientFailureException;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class OpenTransactionSlotTest {

    /** A pool with no connection to give, and no acquire timeout: it never answers. */
    private static final ConnectionFactory EXHAUSTED_POOL = new ConnectionFactory() {
        @Override
        public Publisher<? extends Connection> create() {
            return Mono.never();
        }

        @Override
        public ConnectionFactoryMetadata getMetadata() {
            return () -> "exhausted";
        }
    };

    private static StreamedTransaction begin() {
        return StreamedTransaction.begin(EXHAUSTED_POOL, Duration.ofSeconds(30));
    }

    @Test
    void closingWaitsForTheRollbacksAtMostItsBound() {
        OpenTransactionSlot slot = new OpenTransactionSlot();

        StepVerifier.withVirtualTime(() -> {
                    slot.openOrBegin(OpenTransactionSlotTest::begin);
                    slot.seal();
                    slot.openOrBegin(OpenTransactionSlotTest::begin);
                    return slot.close();
                })
                .expectSubscription()
                .expectNoEvent(OpenTransactionSlot.CLOSE_WAIT.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aSealedTransactionClosedBeforeItsCommitBeganCannotBeginIt() {
        OpenTransactionSlot slot = new OpenTransactionSlot();
        StreamedTransaction first = slot.openOrBegin(OpenTransactionSlotTest::begin);
        assertThat(slot.seal()).isSameAs(first);
        StreamedTransaction second = slot.openOrBegin(OpenTransactionSlotTest::begin);
        assertThat(slot.seal()).isSameAs(second);

        slot.beginCommit(first, "out", 1); // begun before the close: its commit ends it
        slot.close().subscribe();

        assertThatThrownBy(() -> slot.beginCommit(second, "out", 2))
                .isInstanceOf(TransientFailureException.class)
                .hasMessageContaining("'out' was closed before checkpoint 2 began to commit");
        assertThat(slot.openOrBegin(OpenTransactionSlotTest::begin))
                .as("a transaction opened after the close")
                .isNull();
    }
}
