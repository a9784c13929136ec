package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A checkpoint's offsets are sent only under the assignment its first attempt saw. */
class OffsetsOwnershipTest {

    private static final TopicPartition P0 = new TopicPartition("payments", 0);
    private static final TopicPartition P1 = new TopicPartition("payments", 1);

    @Test
    void theSameAssignmentMaySend() {
        assertThat(OffsetsOwnership.refusal(
                        7, List.of(P0, P1), Set.of(P0, P1), Map.of(P0, 3L, P1, 1L), Map.of(P0, 3L, P1, 1L)))
                .isNull();
    }

    @Test
    void aPartitionNoLongerAssignedMayNot() {
        assertThat(OffsetsOwnership.refusal(7, List.of(P0, P1), Set.of(P0), Map.of(P0, 3L), Map.of(P0, 3L, P1, 1L)))
                .hasMessageContaining("[payments-1] are no longer assigned")
                .satisfies(refusal -> assertThat(refusal.isRetryable()).isTrue());
    }

    @Test
    void aPartitionThatLeftAndCameBackMayNot() {
        // A -> B -> A while checkpoint 7 waited to retry: assigned again, under a later assignment
        assertThat(OffsetsOwnership.refusal(
                        7, List.of(P0, P1), Set.of(P0, P1), Map.of(P0, 4L, P1, 1L), Map.of(P0, 3L, P1, 1L)))
                .hasMessageContaining("[payments-0] were assigned again since checkpoint 7 was first attempted");
    }

    @Test
    void aRevokedPartitionsClosingCheckpointMaySendUnderTheAssignmentItWasReadIn() {
        // in the revocation callback the consumer still has the partition, and its assignment counter is unchanged
        assertThat(OffsetsOwnership.refusal(5, List.of(P0), Set.of(P0), Map.of(P0, 3L), Map.of(P0, 3L)))
                .isNull();
    }

    @Test
    void aPartitionNeverAssignedToTheRunMayNot() {
        assertThat(OffsetsOwnership.refusal(7, List.of(P0), Set.of(P0), Map.of(P0, -1L), Map.of(P0, -1L)))
                .hasMessageContaining("assigned again");
    }
}
