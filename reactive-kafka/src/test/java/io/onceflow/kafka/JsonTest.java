package io.onceflow.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class JsonTest {

    record Payment(long id, String account, long amountCents) {}

    private static final Format<Payment> PAYMENTS = Json.of(Payment.class);

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void roundTripsARecord() {
        Payment payment = new Payment(7, "acct-1", 1_500);
        assertThat(PAYMENTS.decode(PAYMENTS.encode(payment))).isEqualTo(payment);
        assertThat(PAYMENTS.toString()).contains(Payment.class.getName());
    }

    @Test
    void ignoresFieldsAProducerAdded() {
        assertThat(PAYMENTS.decode(utf8("{\"id\":1,\"account\":\"a\",\"amountCents\":2,\"currency\":\"EUR\"}")))
                .isEqualTo(new Payment(1, "a", 2));
    }

    @Test
    void refusesWhatWouldBeAPoisonRecord() {
        assertThatThrownBy(() -> PAYMENTS.decode(utf8("{not json"))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> PAYMENTS.decode(utf8("{\"id\":1,\"account\":\"a\",\"amountCents\":\"lots\"}")))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> PAYMENTS.decode(utf8("{\"id\":1,\"account\":\"a\",\"amountCents\":null}")))
                .as("null for a primitive")
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> PAYMENTS.decode(utf8("{\"id\":1,\"account\":\"a\",\"amountCents\":2} trailing")))
                .as("trailing content")
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> PAYMENTS.decode(utf8("null")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }

    @Test
    void anyEncodesAnythingAndDecodesATree() {
        byte[] bytes = Json.any().encode(new Payment(1, "a", 2));
        Object tree = Json.any().decode(bytes);
        assertThat(tree).isInstanceOf(JsonNode.class);
        assertThat(((JsonNode) tree).get("account").asString()).isEqualTo("a");
    }

    @Test
    void bytesAndUtf8AreIdentities() {
        byte[] raw = {0, 1, 2};
        assertThat(Format.bytes().decode(raw)).isSameAs(raw);
        assertThat(Format.utf8().decode(Format.utf8().encode("é"))).isEqualTo("é");
    }
}
