package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.FencedException;
import io.onceflow.core.NonTransientFailureException;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.junit.jupiter.api.Test;

class KafkaErrorsTest {

    @Test
    void aFencedProducerStopsTheInstance() {
        OnceflowException error = KafkaErrors.translate(
                new ExecutionException(new ProducerFencedException("newer epoch")), "checkpoint 3", "ledger-0");
        assertThat(error)
                .isInstanceOf(FencedException.class)
                .isInstanceOf(NonTransientFailureException.class)
                .hasMessageContaining("'ledger-0'");
        assertThat(error.isRetryable()).isFalse();
        assertThat(RestartPolicy.isRetryableByDefault(error)).isFalse();
    }

    /**
     * The transaction coordinator aborts a transaction open longer than its timeout and fences its producer, which
     * the client reports as it reports a newer producer: a commit fenced after that long was a slow checkpoint, and
     * the run restarts; one fenced sooner was a newer instance, which stops this one.
     */
    @Test
    void aProducerFencedOnlyAfterItsTransactionTimedOutRestartsTheRun() {
        ProducerFencedException fenced = new ProducerFencedException("newer epoch");
        OnceflowException timedOut = KafkaErrors.translateCommit(
                fenced, "checkpoint 3", "ledger-0", Duration.ofSeconds(11), Duration.ofSeconds(10));
        assertThat(timedOut)
                .isInstanceOf(TransientFailureException.class)
                .hasMessageContaining("open for 11000 ms, longer than the Kafka sink's transactionTimeout (PT10S)")
                .hasCause(fenced);
        assertThat(RestartPolicy.isRetryableByDefault(timedOut)).isTrue();

        assertThat(KafkaErrors.translateCommit(
                        fenced, "checkpoint 3", "ledger-0", Duration.ofSeconds(9), Duration.ofSeconds(10)))
                .isInstanceOf(FencedException.class);
        assertThat(KafkaErrors.translateCommit(
                        new TimeoutException("slow"),
                        "checkpoint 3",
                        "ledger-0",
                        Duration.ofSeconds(11),
                        Duration.ofSeconds(10)))
                .isInstanceOf(TransientFailureException.class)
                .hasMessageNotContaining("transactionTimeout");
    }

    /** A newer member with the source's group.instance.id: the same identity's newer incarnation, as above. */
    @Test
    void aConsumerReplacedByANewerStaticMemberStopsTheInstance() {
        OnceflowException error = KafkaErrors.translate(
                new FencedInstanceIdException("fenced"), "sending the offsets of checkpoint 3", "ledger-0");
        assertThat(error).isInstanceOf(FencedException.class).hasMessageContaining("group.instance.id");
        assertThat(RestartPolicy.isRetryableByDefault(error)).isFalse();

        FencedException replaced =
                KafkaErrors.replacedInGroup("ledger", "0", "kafka", "ledger", new FencedInstanceIdException("fenced"));
        assertThat(replaced.getMessage()).contains("'ledger'", "'0'", "'kafka'", "same group.instance.id");
        assertThat(RestartPolicy.isRetryableByDefault(replaced)).isFalse();
    }

    /** Under KIP-848 a crashed static member holds its id until its session expires: the run retries meanwhile. */
    @Test
    void anInstanceIdNotYetReleasedRestartsTheRun() {
        OnceflowException error = KafkaErrors.idNotYetReleased(
                "ledger", "2", "kafka", "ledger", new UnreleasedInstanceIdException("still used"));
        assertThat(error).isInstanceOf(TransientFailureException.class);
        assertThat(error.isRetryable()).isTrue();
        assertThat(RestartPolicy.isRetryableByDefault(error)).isTrue();
        assertThat(error)
                .hasMessageContaining("cannot join its consumer group ledger yet")
                .hasMessageContaining("group.consumer.session.timeout.ms");
    }

    @Test
    void anOutdatedGenerationIsRetryable() {
        CommitFailedException stale = new CommitFailedException(
                "Transaction offset Commit failed due to consumer group metadata mismatch: Specified group"
                        + " generation id is not valid.");
        OnceflowException error = KafkaErrors.translate(stale, "checkpoint 3", "ledger-0");
        assertThat(error).isInstanceOf(TransientFailureException.class);
        assertThat(error.isRetryable()).isTrue();
        assertThat(error).hasMessageContaining("rebalanced").hasCause(stale);
        assertThat(KafkaErrors.isGenerationRace(stale)).isTrue();
        // told apart from an old generation by its message only, which is not read: retried too (bounded)
        assertThat(KafkaErrors.isGenerationRace(
                        new CommitFailedException("The coordinator is not aware of this member.")))
                .isTrue();
        assertThat(KafkaErrors.isGenerationRace(new ExecutionException(new IllegalGenerationException("old"))))
                .isTrue();
        assertThat(KafkaErrors.isGenerationRace(new ProducerFencedException("newer epoch")))
                .isFalse();
        assertThat(KafkaErrors.isGenerationRace(new TimeoutException("slow"))).isFalse();
    }

    @Test
    void misconfigurationStopsThePipelineAndTheRestIsRetryable() {
        assertThat(KafkaErrors.translate(new TopicAuthorizationException("no"), "x", "t"))
                .isInstanceOf(PipelineConfigurationException.class);
        OnceflowException timeout = KafkaErrors.translate(new TimeoutException("slow"), "x", "t");
        assertThat(timeout).isInstanceOf(TransientFailureException.class);
        assertThat(timeout.isRetryable()).isTrue();
        OnceflowException already = new NonTransientFailureException("mine", null);
        assertThat(KafkaErrors.translate(already, "x", "t")).isSameAs(already);
    }
}
