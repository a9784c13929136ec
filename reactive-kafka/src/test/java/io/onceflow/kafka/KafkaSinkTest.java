package io.onceflow.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The sink's guarantee as the options choose it, and the existing entry point left as it was. */
class KafkaSinkTest {

    private static final KafkaSinkOptions.Builder OPTIONS = KafkaSinkOptions.builder();
    private static final KafkaSource<String> SOURCE = KafkaSource.create(KafkaSourceOptions.builder()
            .valueFormat(Json.of(String.class))
            .bootstrapServers("b:9092")
            .topic("in")
            .build());

    @Test
    void exactlyOnceIsTheDefault() {
        KafkaSink<String> sink =
                KafkaSink.create(SOURCE, OPTIONS.build(), value -> KafkaRecord.of("out", value, value));

        assertThat(OPTIONS.build().deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(sink).isInstanceOf(KafkaTransactionalSink.class);
        assertThat(sink.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
    }

    @Test
    void atLeastOnceMakesASinkWithoutTransactions() {
        KafkaSinkOptions options = OPTIONS.build().toBuilder()
                .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();

        KafkaSink<String> sink = KafkaSink.create(SOURCE, options, value -> KafkaRecord.of("out", value, value));

        assertThat(sink).isNotInstanceOf(KafkaTransactionalSink.class);
        assertThat(sink.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(options.toString()).contains("deliveryGuarantee=AT_LEAST_ONCE");
    }

    @Test
    void theTransactionalSinkRefusesAtLeastOnceOptionsWithWhatToDo() {
        KafkaSinkOptions options = KafkaSinkOptions.builder()
                .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();

        assertThatThrownBy(() -> KafkaTransactionalSink.create(
                        SOURCE, options, (String value) -> KafkaRecord.of("o", value, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KafkaSink.create");
    }

    @Test
    void theIdempotenceSettingsCannotBeTurnedOff() {
        assertThatThrownBy(() -> KafkaSinkOptions.builder()
                        .bootstrapServers("b:9092")
                        .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .producerProperty("acks", "1")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acks");
    }
}
