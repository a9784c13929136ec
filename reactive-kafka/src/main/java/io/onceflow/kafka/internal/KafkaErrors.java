package io.onceflow.kafka.internal;

import io.onceflow.core.FencedException;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.TransientFailureException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
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
