package io.onceflow.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class KafkaSourceOptionsTest {

    record Payment(long id, String account, long amountCents) {}

    private static KafkaSourceOptions.Builder<byte[]> minimal() {
        return KafkaSourceOptions.builder().bootstrapServers("localhost:9092").topic("payments");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        KafkaSourceOptions<byte[]> options = minimal().build();
        assertThat(options.groupId()).isNull();
        assertThat(options.topics()).containsExactly("payments");
        assertThat(options.recordFormat()).isEqualTo(RecordFormat.value(Format.bytes()));
        assertThat(options.recordFormat().readsKeys()).isFalse();
        assertThat(options.startPosition()).isEqualTo(StartPosition.EARLIEST);
        assertThat(options.readCommitted()).isTrue();
        assertThat(options.maxPollRecords()).isEqualTo(500);
        assertThat(options.pollTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(options.assignTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.commitGroupOffsets()).isTrue();
        assertThat(options.staticMembership()).isTrue();
        assertThat(options.leaveGroupOnClose()).isTrue();
        assertThat(options.name()).isEqualTo("kafka");
        assertThat(options.consumerProperties()).isEmpty();
    }

    @Test
    void valueFormatTypesTheOptions() {
        KafkaSourceOptions<Payment> options =
                minimal().valueFormat(Json.of(Payment.class)).groupId("ledger").build();
        IncomingRecord record = new IncomingRecord(
                "payments",
                0,
                0,
                0,
                null,
                "{\"id\":1,\"account\":\"a\",\"amountCents\":5}".getBytes(),
                new RecordHeaders());
        assertThat(options.recordFormat().decode(record)).isEqualTo(new Payment(1, "a", 5));
        assertThat(options.toBuilder().build()).isEqualTo(options);
    }

    @Test
    void aRecordFormatReadsKeysAndHeadersAndReplacesTheValueFormat() {
        RecordFormat<String> keyed = record -> record.keyAsString() + "/" + record.header("trace");
        KafkaSourceOptions<String> options =
                minimal().valueFormat(Format.utf8()).recordFormat(keyed).build();
        assertThat(options.recordFormat()).isSameAs(keyed);
        assertThat(options.recordFormat().readsKeys()).isTrue();
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "t-1".getBytes());
        headers.add("trace", "t-2".getBytes()); // the last one wins
        assertThat(options.recordFormat()
                        .decode(new IncomingRecord("payments", 0, 0, 0, "acct".getBytes(), null, headers)))
                .isEqualTo("acct/t-2");
    }

    @Test
    void theKeyDeserializerIsReserved() {
        assertThatThrownBy(() ->
                        minimal().consumerProperty("key.deserializer", "x").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("recordFormat(...)");
    }

    @Test
    void requiresBootstrapServersAndATopic() {
        assertThatThrownBy(() -> KafkaSourceOptions.builder().topic("t").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() ->
                        KafkaSourceOptions.builder().bootstrapServers("b:1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one topic");
        assertThatThrownBy(() -> minimal().topic("payments").build()).hasMessageContaining("distinct");
        assertThatThrownBy(() -> minimal().topic("no spaces").build()).hasMessageContaining("topic must be");
        assertThatThrownBy(() -> minimal().groupId(" ").build()).hasMessageContaining("groupId");
    }

    @Test
    void refusesSettingsOutOfRange() {
        assertThatThrownBy(() -> minimal().maxPollRecords(0).build()).hasMessageContaining("maxPollRecords");
        assertThatThrownBy(() -> minimal().pollTimeout(Duration.ZERO).build()).hasMessageContaining("pollTimeout");
        assertThatThrownBy(() -> minimal().assignTimeout(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("assignTimeout");
    }

    @Test
    void rawPropertiesMayNotRepeatATypedOption() {
        assertThatThrownBy(() -> minimal().consumerProperty("group.id", "g").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("consumerProperties may not set 'group.id': use groupId(...)");
        assertThatThrownBy(() -> minimal()
                        .consumerProperty("isolation.level", "read_uncommitted")
                        .build())
                .hasMessageContaining("readCommitted(...)");
        assertThatThrownBy(() ->
                        minimal().consumerProperty("enable.auto.commit", true).build())
                .hasMessageContaining("enable.auto.commit");
        assertThatThrownBy(() ->
                        minimal().consumerProperty("value.deserializer", "x").build())
                .hasMessageContaining("valueFormat(...)");
    }

    @Test
    void takesEitherGroupProtocolAndRefusesWhatTheConsumerProtocolMovesToTheBroker() {
        assertThat(minimal().build().groupProtocol()).isEqualTo(GroupProtocol.CLASSIC);
        assertThat(minimal().groupProtocol(GroupProtocol.CONSUMER).build().groupProtocol())
                .isEqualTo(GroupProtocol.CONSUMER);
        assertThat(minimal()
                        .consumerProperty("group.protocol", "Consumer")
                        .build()
                        .groupProtocol())
                .isEqualTo(GroupProtocol.CONSUMER);
        assertThatThrownBy(() ->
                        minimal().consumerProperty("group.protocol", "streams").build())
                .hasMessageContaining("group.protocol must be classic or consumer, was 'streams'");
        for (String classicOnly :
                List.of("session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy")) {
            assertThatThrownBy(() -> minimal()
                            .groupProtocol(GroupProtocol.CONSUMER)
                            .consumerProperty(classicOnly, "6000")
                            .build())
                    .hasMessageContaining(classicOnly + " cannot be set under group.protocol=consumer");
            assertThat(minimal().consumerProperty(classicOnly, "6000").build().consumerProperties())
                    .containsKey(classicOnly);
        }
    }

    /** Staying in the group on close is for a member that a restart replaces: a static one, under either protocol. */
    @Test
    void staysInTheGroupOnCloseOnlyAsAStaticMember() {
        assertThat(minimal().leaveGroupOnClose(false).build().leaveGroupOnClose())
                .isFalse();
        assertThat(minimal()
                        .staticMembership(false)
                        .consumerProperty("group.instance.id", "mine")
                        .leaveGroupOnClose(false)
                        .build()
                        .toBuilder()
                        .build()
                        .leaveGroupOnClose())
                .isFalse();
        assertThatThrownBy(() -> minimal()
                        .staticMembership(false)
                        .leaveGroupOnClose(false)
                        .build())
                .hasMessageContaining("leaveGroupOnClose(false) needs a static member");
        assertThat(minimal()
                        .groupProtocol(GroupProtocol.CONSUMER)
                        .leaveGroupOnClose(false)
                        .build()
                        .leaveGroupOnClose())
                .isFalse();
        assertThatThrownBy(() -> minimal()
                        .groupProtocol(GroupProtocol.CONSUMER)
                        .staticMembership(false)
                        .leaveGroupOnClose(false)
                        .build())
                .hasMessageContaining("leaveGroupOnClose(false) needs a static member");
    }

    @Test
    void refusesTooShortAPollInterval() {
        assertThat(minimal()
                        .consumerProperty("group.protocol", "CLASSIC")
                        .build()
                        .consumerProperties())
                .containsEntry("group.protocol", "CLASSIC");
        assertThatThrownBy(() -> minimal()
                        .consumerProperty("max.poll.interval.ms", 30_000)
                        .build())
                .hasMessageContaining("assignTimeout");
        assertThatThrownBy(() -> minimal()
                        .consumerProperty("max.poll.interval.ms", "soon")
                        .build())
                .hasMessageContaining("must be a number");
    }

    @Test
    void toStringNeverShowsSecrets() {
        KafkaSourceOptions<byte[]> options = minimal()
                .consumerProperty(
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " username=\"u\" password=\"hunter2\";")
                .consumerProperty("ssl.keystore.password", "hunter3")
                .consumerProperty("ssl.key.password", "hunter4")
                .consumerProperty("fetch.min.bytes", 1)
                .build();
        assertThat(options.toString())
                .doesNotContain("hunter2", "hunter3", "hunter4")
                .contains("sasl.jaas.config=[hidden]", "fetch.min.bytes=1");
        assertThat(options.consumerProperties()).containsEntry("ssl.key.password", "hunter4");
    }
}
