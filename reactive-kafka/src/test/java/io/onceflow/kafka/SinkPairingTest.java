package io.onceflow.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.Onceflow;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.testkit.TestSource;
import org.junit.jupiter.api.Test;

/**
 * A Kafka sink is created from the source whose positions it commits: it takes the source's cluster, group and
 * connection settings, and assembly refuses a pipeline that reads another source.
 */
class SinkPairingTest {

    private static KafkaSource<String> source(String group) {
        return KafkaSource.create(KafkaSourceOptions.builder()
                .valueFormat(Json.of(String.class))
                .bootstrapServers("broker-a:9092")
                .groupId(group)
                .topic("payments")
                .consumerProperty("security.protocol", "SASL_SSL")
                .consumerProperty("sasl.mechanism", "SCRAM-SHA-512")
                .consumerProperty("fetch.min.bytes", "1024")
                .build());
    }

    private static KafkaRecord toRecord(String value) {
        return KafkaRecord.of("out", value, value);
    }

    @Test
    void theSinkTakesTheClusterTheGroupAndTheConnectionSettingsOfItsSource() {
        KafkaSink<String> sink = KafkaSink.create(
                source("ledger"),
                KafkaSinkOptions.builder()
                        .clientProperty("sasl.mechanism", "SCRAM-SHA-256")
                        .build(),
                SinkPairingTest::toRecord);

        assertThat(sink.options().bootstrapServers()).isEqualTo("broker-a:9092");
        assertThat(sink.options().groupId()).isEqualTo("ledger");
        // the connection and its security; the sink's own setting wins, and consumer tuning stays the consumer's
        assertThat(sink.options().clientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                .doesNotContainKey("fetch.min.bytes");
    }

    @Test
    void aSinkThatNamesAnotherClusterOrGroupThanItsSourceIsRefusedWithWhatToDo() {
        KafkaSource<String> source = source("ledger");

        assertThatThrownBy(() -> KafkaSink.create(
                        source,
                        KafkaSinkOptions.builder()
                                .bootstrapServers("broker-b:9092")
                                .build(),
                        SinkPairingTest::toRecord))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrapServers (broker-b:9092) are not its source's (broker-a:9092)")
                .hasMessageContaining("Leave bootstrapServers unset on the sink");
        assertThatThrownBy(() -> KafkaTransactionalSink.create(
                        source, KafkaSinkOptions.builder().groupId("billing").build(), SinkPairingTest::toRecord))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groupId (billing) is not its source's (ledger)");
        assertThatCode(() -> KafkaSink.create(
                        source,
                        KafkaSinkOptions.builder()
                                .bootstrapServers("broker-a:9092")
                                .groupId("ledger")
                                .build(),
                        SinkPairingTest::toRecord))
                .doesNotThrowAnyException();
    }

    @Test
    void assemblyRefusesASinkCreatedFromAnotherPipelinesSource() {
        KafkaSource<String> payments = source("ledger");
        KafkaSource<String> refunds = source("ledger");
        KafkaSink<String> sink =
                KafkaSink.create(refunds, KafkaSinkOptions.builder().build(), SinkPairingTest::toRecord);

        assertThatThrownBy(() -> Onceflow.pipeline("ledger").from(payments).to(sink))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("pipeline 'ledger'")
                .hasMessageContaining("was created from KafkaSource[kafka, topics=[payments]]")
                .hasMessageContaining("KafkaSink.create(source, options, toRecord)");
        assertThatCode(() -> Onceflow.pipeline("ledger").from(refunds).to(sink)).doesNotThrowAnyException();
    }

    @Test
    void assemblyRefusesAKafkaSinkOnAPipelineThatDoesNotReadKafka() {
        KafkaSink<String> sink =
                KafkaSink.create(source("ledger"), KafkaSinkOptions.builder().build(), SinkPairingTest::toRecord);

        assertThatThrownBy(() -> Onceflow.pipeline("ledger")
                        .from(TestSource.<String>create("in", 1))
                        .to(sink))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("must read with the KafkaSource the sink was created from");
    }

    @Test
    @SuppressWarnings("deprecation")
    void aSinkMadeWithoutItsSourceNeedsTheClusterAndItsGroupIsCheckedAtAssembly() {
        assertThatThrownBy(() -> KafkaSink.create(KafkaSinkOptions.builder().build(), SinkPairingTest::toRecord))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrapServers is required for a Kafka sink created without its source");
        KafkaSink<String> billing = KafkaSink.create(
                KafkaSinkOptions.builder()
                        .bootstrapServers("broker-a:9092")
                        .groupId("billing")
                        .build(),
                SinkPairingTest::toRecord);

        assertThatThrownBy(
                        () -> Onceflow.pipeline("ledger").from(source("ledger")).to(billing))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("the KafkaSource reads in group 'ledger' but KafkaTransactionalSink[kafka]"
                        + " commits for group 'billing'");
    }
}
