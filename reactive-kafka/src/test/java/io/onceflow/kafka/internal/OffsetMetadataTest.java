package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetMetadataTest {

    @Test
    void namesPipelineInstanceAndCheckpoint() {
        String metadata = OffsetMetadata.encode("ledger", "a-1", 12345, 0);
        assertThat(metadata).isEqualTo("onceflow;pipeline=ledger;instance=a-1;checkpoint=12345");
        assertThat(OffsetMetadata.checkpointId(metadata)).isEqualTo(12345);
    }

    @Test
    void foreignMetadataHasNoCheckpoint() {
        assertThat(OffsetMetadata.checkpointId(null)).isZero();
        assertThat(OffsetMetadata.checkpointId("")).isZero();
        assertThat(OffsetMetadata.checkpointId("checkpoint=5")).isZero();
        assertThat(OffsetMetadata.checkpointId("onceflow;pipeline=x")).isZero();
        assertThat(OffsetMetadata.checkpointId("onceflow;checkpoint=99999999999999999999"))
                .isZero();
    }

    @Test
    void theStateCheckpointTravelsWhenThereIsOne() {
        String stateful = OffsetMetadata.encode("ledger", "a-1", 12345, 12340);
        assertThat(stateful).isEqualTo("onceflow;pipeline=ledger;instance=a-1;checkpoint=12345;state=12340");
        assertThat(OffsetMetadata.checkpointId(stateful)).isEqualTo(12345);
        assertThat(OffsetMetadata.stateCheckpoint(stateful)).isEqualTo(12340);
        assertThat(OffsetMetadata.stateCheckpoint(OffsetMetadata.encode("ledger", "a-1", 7, 0)))
                .isZero();
        assertThat(OffsetMetadata.stateCheckpoint("state=5")).isZero();
    }
}
