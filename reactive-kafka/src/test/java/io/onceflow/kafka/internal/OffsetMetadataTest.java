package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetMetadataTest {

    @Test
    void namesPipelineInstanceAndCheckpoint() {
        String metadata = OffsetMetadata.encode("ledger", "a-1", 12345);
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
}
