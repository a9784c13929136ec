package io.onceflow.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.Onceflow;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.PipelineConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Timeouts that contradict each other are refused when the pipeline is assembled, with what to change. */
class KafkaTimeoutsAtAssemblyTest {

    private static final KafkaSource<String> SOURCE = KafkaSource.create(KafkaSourceOptions.<String>builder()
            .bootstrapServers("127.0.0.1:1")
            .topic("in")
            .valueFormat(Json.of(String.class))
            .build());

    private static KafkaSinkOptions.Builder sink() {
        return KafkaSinkOptions.builder();
    }

    private static void assemble(PipelineBuilder pipeline, KafkaSinkOptions sink, KafkaSource<String> source) {
        pipeline.from(source)
                .to(KafkaTransactionalSink.create(source, sink, value -> new KafkaRecord("out", null, value)));
    }

    @Test
    void theDefaultsFit() {
        assertThatCode(() -> assemble(Onceflow.pipeline("p"), sink().build(), SOURCE))
                .doesNotThrowAnyException();
    }

    @Test
    void aCheckpointIntervalAsLongAsTheTransactionTimeoutIsRefused() {
        assertThatThrownBy(() -> assemble(
                        Onceflow.pipeline("p").checkpointEvery(Duration.ofSeconds(30)), sink().build(), SOURCE))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("checkpointEvery (PT30S) must be shorter than the Kafka sink's transactionTimeout"
                        + " (PT30S)");
    }

    @Test
    void aCheckpointTimeoutShorterThanTheCommitsOwnIsRefused() {
        assertThatThrownBy(() -> assemble(
                        Onceflow.pipeline("p").checkpointTimeout(Duration.ofSeconds(20)), sink().build(), SOURCE))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining(
                        "checkpointTimeout (PT20S) must be longer than the Kafka sink's requestTimeout" + " (PT30S)");
    }

    @Test
    void aClaimLongerThanTheSourceLetsAnAssignmentTakeIsRefused() {
        KafkaSource<String> quick = KafkaSource.create(SOURCE.options().toBuilder()
                .assignTimeout(Duration.ofSeconds(40))
                .build());
        assertThatThrownBy(() -> assemble(Onceflow.pipeline("p"), sink().build(), quick))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("claimTimeout (PT45S) must be shorter than the source's assignTimeout (PT40S)");
    }
}
