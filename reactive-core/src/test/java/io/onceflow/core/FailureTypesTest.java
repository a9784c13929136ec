package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every failure Onceflow throws says by its type whether a restart can help, and the default restart filter follows
 * the type: a transient failure restarts, a non-transient one stops; a checkpoint failure is what its cause is.
 */
class FailureTypesTest {

    @Test
    void theTypeDecidesWhetherTheDefaultPolicyRestarts() {
        List<OnceflowException> transients = List.of(
                new TransientFailureException("broker gone", null),
                new PartitionFencedException("partition moved", null),
                new CheckpointTimeoutException("p", 3, Duration.ofSeconds(1)),
                new StageFailedException("map", null, new OutOfMemoryError("test")));
        List<OnceflowException> permanents = List.of(
                new NonTransientFailureException("denied", null),
                new FencedException("newer instance", null),
                new PipelineConfigurationException("bad option", null),
                new StateCodecException("cannot decode", null));
        assertThat(transients).allSatisfy(failure -> {
            assertThat(failure).isInstanceOf(TransientFailureException.class);
            assertThat(failure.isRetryable()).isTrue();
            assertThat(RestartPolicy.isRetryableByDefault(failure)).isTrue();
        });
        assertThat(permanents).allSatisfy(failure -> {
            assertThat(failure).isInstanceOf(NonTransientFailureException.class);
            assertThat(failure.isRetryable()).isFalse();
            assertThat(RestartPolicy.isRetryableByDefault(failure)).isFalse();
        });
    }

    @Test
    void aCheckpointFailureIsWhatItsCauseIs() {
        assertThat(new CheckpointFailedException("p", 4, "sink", new TransientFailureException("timeout", null))
                        .isRetryable())
                .isTrue();
        assertThat(new CheckpointFailedException("p", 4, "sink", new NonTransientFailureException("denied", null))
                        .isRetryable())
                .isFalse();
        // not Onceflow's: a restart may help
        assertThat(new CheckpointFailedException("p", 4, "sink", new IllegalStateException("?")).isRetryable())
                .isTrue();
    }
}
