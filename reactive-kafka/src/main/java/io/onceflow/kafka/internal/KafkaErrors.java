package io.onceflow.kafka.internal;

import io.onceflow.core.FencedException;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Translates Kafka client failures of the transactional sink (and the source's fencing) into Onceflow's: fencing
 * stops the instance, misconfiguration stops the pipeline, and anything else is retryable (the pipeline restarts
 * from its last completed checkpoint, and nothing of the failed one is visible).
 */
final class KafkaErrors {

    /** What every fencing by a newer incarnation of this instance ends with: its likely cause, and what happens. */
    private static final String SAME_IDENTITY =
            "; is another instance running with the same pipeline name and instance id? This instance stops";

    private KafkaErrors() {}

    static OnceflowException translate(Throwable failure, String what, String transactionalId) {
        if (failure instanceof OnceflowException onceflow) {
            return onceflow;
        }
        Throwable cause = unwrap(failure);
        if (cause instanceof OnceflowException onceflow) {
            return onceflow;
        }
        if (cause instanceof ProducerFencedException) {
            return new FencedException(
                    what + ": the producer with transactional id '" + transactionalId + "' was fenced by a newer one"
                            + " with the same id" + SAME_IDENTITY,
                    cause);
        }
        if (cause instanceof FencedInstanceIdException) {
            return new FencedException(
                    what + ": the source's consumer was replaced in its group by a newer member with the same"
                            + " group.instance.id" + SAME_IDENTITY,
                    cause);
        }
        if (cause instanceof CommitFailedException
                || cause instanceof IllegalGenerationException
                || cause instanceof UnknownMemberIdException
                || cause instanceof RebalanceInProgressException) {
            return new TransientFailureException(
                    what + ": the consumer group rebalanced, so the offsets' group metadata is outdated (the"
                            + " partitions may have a new owner); the transaction is aborted and the pipeline"
                            + " restarts from its last completed checkpoint: " + cause,
                    cause);
        }
        if (cause instanceof AuthorizationException
                || cause instanceof AuthenticationException
                || cause instanceof UnsupportedVersionException
                || cause instanceof InvalidConfigurationException) {
            return new PipelineConfigurationException(what + ": " + cause, cause);
        }
        return new TransientFailureException(what + ": " + cause, cause);
    }

    /**
     * A checkpoint's commit that failed: as {@link #translate(Throwable, String, String)}, except that a producer
     * fenced while its transaction was open for at least {@code transactionTimeout} was most likely fenced by the
     * transaction coordinator, which aborts a transaction open longer than that and bumps the producer's epoch (the
     * client reports it as it reports a newer producer with the same id). That is a slow checkpoint (a slow sink
     * beside the commit point, a loaded host, a long pause of this process), not a second instance: the run restarts
     * from its last completed checkpoint, where stopping would leave a healthy instance stopped for good. Were a
     * second instance with the same identity running after all, the restarted run would fence it in turn, and that
     * one, its transaction young, stops.
     */
    static OnceflowException translateCommit(
            Throwable failure, String what, String transactionalId, Duration openFor, Duration transactionTimeout) {
        Throwable cause = unwrap(failure);
        if ((cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException)
                && openFor.compareTo(transactionTimeout) >= 0) {
            return new TransientFailureException(
                    what + ": its transaction was open for " + openFor.toMillis() + " ms, longer than the Kafka"
                            + " sink's transactionTimeout (" + transactionTimeout + "), so the transaction coordinator"
                            + " aborted it and fenced the producer; the run restarts from its last completed"
                            + " checkpoint. If checkpoints take this long (a slow sink, a loaded host), raise"
                            + " transactionTimeout: " + cause,
                    cause);
        }
        return translate(failure, what, transactionalId);
    }

    /**
     * The source's consumer was replaced in its group by a newer member with the same {@code group.instance.id}: a
     * newer incarnation of this instance (this one was frozen, or the instance was started twice). The older stops,
     * as it does when the newer fences its producer; restarted, it would take the place back and fail the newer in
     * turn.
     */
    static FencedException replacedInGroup(
            String pipeline, String instanceId, String source, String groupId, FencedInstanceIdException fenced) {
        return new FencedException(
                "pipeline '" + pipeline + "', instance '" + instanceId + "': source '" + source + "' was replaced in"
                        + " its consumer group " + groupId + " by a newer member with the same group.instance.id"
                        + SAME_IDENTITY,
                fenced);
    }

    /**
     * The broker refused the source's consumer its {@code group.instance.id} under the consumer protocol (KIP-848): a
     * member with that id is still in the group and never left, which is what a crashed incarnation of this instance
     * leaves behind until its session expires. The run restarts, and joins once the dead member's session is over.
     * A second live instance with the same identity is refused the same way for as long as the first lives (the
     * classic protocol would fence the older instead): its refusals outlast the session, and its restart attempts run
     * out.
     */
    static TransientFailureException idNotYetReleased(
            String pipeline, String instanceId, String source, String groupId, UnreleasedInstanceIdException refused) {
        return new TransientFailureException(
                "pipeline '" + pipeline + "', instance '" + instanceId + "': source '" + source + "' cannot join its"
                        + " consumer group " + groupId + " yet: a member with its group.instance.id is still there"
                        + " (most likely this instance before a crash), and the broker releases the id when that"
                        + " member's session expires (group.consumer.session.timeout.ms); the run restarts until then."
                        + " If this goes on past the session, another running instance has the same pipeline name and"
                        + " instance id",
                refused);
    }

    /**
     * Whether a commit may have failed only because the group's generation moved on while the offsets were on their
     * way (a rebalance in progress): the member may still own its partitions, and a new transaction can try again.
     *
     * <p>kafka-clients reports every group-metadata mismatch of {@code sendOffsetsToTransaction} (an old generation,
     * an unknown member, a fenced instance id) as a {@link CommitFailedException} without a cause, which only its
     * message tells apart. Messages are not an API, so each is taken as a possible race: the retry is bounded, and it
     * re-checks that the consumer still owns the partitions; a member that is really gone fails again and the run
     * restarts.
     */
    static boolean isGenerationRace(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof CommitFailedException
                || cause instanceof IllegalGenerationException
                || cause instanceof RebalanceInProgressException;
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.ExecutionException
                        || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
