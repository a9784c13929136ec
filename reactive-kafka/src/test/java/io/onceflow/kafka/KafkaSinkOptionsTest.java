package io.onceflow.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KafkaSinkOptionsTest {

    private static KafkaSinkOptions.Builder minimal() {
        return KafkaSinkOptions.builder().bootstrapServers("localhost:9092");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        KafkaSinkOptions options = minimal().build();
        assertThat(options.groupId()).isNull();
        assertThat(options.transactionalIdPrefix()).isNull();
        assertThat(options.changelogTopic()).isNull();
        assertThat(options.createChangelogTopic()).isTrue();
        assertThat(options.changelogReplicationFactor()).isEqualTo((short) -1);
        assertThat(options.deadLetterTopic()).isNull();
        assertThat(options.hasDeadLetterTopic()).isFalse();
        assertThat(options.maxBufferedRecords()).isEqualTo(100_000);
        assertThat(options.transactionTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.closeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.claimTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(minimal().transactionTimeout(Duration.ofSeconds(10)).build().claimTimeout())
                .isEqualTo(Duration.ofSeconds(25));
        assertThat(options.name()).isEqualTo("kafka");
        assertThat(options.toBuilder().build()).isEqualTo(options);
    }

    @Test
    void defaultFormatsKeepBytesAndTextReadable() {
        KafkaSinkOptions options = minimal().build();
        assertThat(options.keyFormat().encode("acct-1")).isEqualTo("acct-1".getBytes(StandardCharsets.UTF_8));
        assertThat(options.keyFormat().encode(42L)).isEqualTo("42".getBytes(StandardCharsets.UTF_8));
        assertThat(options.valueFormat().encode(new byte[] {1, 2})).containsExactly(1, 2);
        // text is written as itself, not as a quoted JSON string
        assertThat(new String(options.valueFormat().encode("text"), StandardCharsets.UTF_8))
                .isEqualTo("text");
        assertThat(new String(options.valueFormat().encode(new KafkaRecord("t", null, 1)), StandardCharsets.UTF_8))
                .isEqualTo("{\"topic\":\"t\",\"key\":null,\"value\":1}");
    }

    @Test
    void aSinkTakesAnEncoderAloneAndASourceADecoderAlone() {
        Encoder<Long> counts = count -> Long.toString(count).getBytes(StandardCharsets.US_ASCII);
        KafkaSinkOptions sink =
                minimal().valueFormat(counts).keyFormat(Format.utf8()).build();
        assertThat(sink.valueFormat().encode(42L)).isEqualTo("42".getBytes(StandardCharsets.US_ASCII));
        assertThat(sink.keyFormat().encode("k")).isEqualTo("k".getBytes(StandardCharsets.UTF_8));

        Decoder<Long> parse = bytes -> Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        KafkaSourceOptions<Long> source = KafkaSourceOptions.builder()
                .bootstrapServers("localhost:9092")
                .topic("counts")
                .valueFormat(parse)
                .build();
        assertThat(source.recordFormat()).isEqualTo(RecordFormat.value(parse));

        Format<Long> both = Format.of(parse, counts);
        assertThat(both.decode(both.encode(7L))).isEqualTo(7L);
    }

    @Test
    void validatesTopicsAndBounds() {
        // the cluster comes from the source the sink is made from: only a blank one is wrong here
        assertThat(KafkaSinkOptions.builder().build().bootstrapServers()).isNull();
        assertThatThrownBy(
                        () -> KafkaSinkOptions.builder().bootstrapServers(" ").build())
                .hasMessageContaining("bootstrapServers must not be blank");
        assertThatThrownBy(() -> minimal().deadLetterTopic("bad topic").build())
                .hasMessageContaining("deadLetterTopic");
        assertThatThrownBy(() ->
                        minimal().changelogTopic("same").deadLetterTopic("same").build())
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> minimal().maxBufferedRecords(0).build()).hasMessageContaining("maxBufferedRecords");
        assertThatThrownBy(() ->
                        minimal().transactionTimeout(Duration.ofMillis(10)).build())
                .hasMessageContaining("transactionTimeout");
        assertThatThrownBy(() -> minimal().changelogReplicationFactor(0).build())
                .hasMessageContaining("changelogReplicationFactor");
        assertThatThrownBy(() -> minimal().requestTimeout(Duration.ZERO).build())
                .hasMessageContaining("requestTimeout");
        // a claim that gives up before the broker aborts a frozen owner's transaction restarts for nothing
        assertThatThrownBy(() -> minimal()
                        .transactionTimeout(Duration.ofSeconds(30))
                        .claimTimeout(Duration.ofSeconds(35))
                        .build())
                .hasMessageContaining("claimTimeout (PT35S) must be at least transactionTimeout (PT30S) plus the"
                        + " broker's abort check interval (PT10S by default)");
    }

    @Test
    void rawPropertiesMayNotRepeatATypedOption() {
        assertThatThrownBy(() ->
                        minimal().producerProperty("transactional.id", "x").build())
                .hasMessage("producerProperties may not set 'transactional.id': use transactionalIdPrefix(...)");
        assertThatThrownBy(() -> minimal().producerProperty("acks", "1").build())
                .hasMessageContaining("acks=all");
        assertThatThrownBy(() -> minimal()
                        .producerProperty("transaction.timeout.ms", 1000)
                        .build())
                .hasMessageContaining("transactionTimeout(...)");
        assertThatThrownBy(() ->
                        minimal().clientProperty("bootstrap.servers", "x:1").build())
                .hasMessageContaining("bootstrapServers(...)");
        assertThat(minimal().producerProperty("linger.ms", 20).build().producerProperties())
                .containsEntry("linger.ms", "20");
    }

    @Test
    void toStringNeverShowsSecrets() {
        KafkaSinkOptions options = minimal()
                .clientProperty("sasl.jaas.config", "x password=\"hunter2\";")
                .producerProperty("ssl.truststore.password", "hunter3")
                .build();
        assertThat(options.toString()).doesNotContain("hunter2", "hunter3").contains("[hidden]");
    }
}
