package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StreamElement;
import io.onceflow.kafka.DeserializationException;
import io.onceflow.kafka.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {

    record Payment(long id, String account, long amountCents) {}

    private final RecordDecoder<Payment> decoder = new RecordDecoder<>(Json.of(Payment.class));

    @Test
    void aGoodRecordBecomesDataWithItsOrigin() {
        StreamElement<Payment> element =
                decoder.decode("payments", 3, 17, 1_000, "{\"id\":1,\"account\":\"a\",\"amountCents\":5}".getBytes());
        assertThat(element).isEqualTo(new Data<>(new Payment(1, "a", 5), new Origin("payments", 3, 17, 1_000)));
    }

    @Test
    void malformedJsonBecomesADeadLetterNamingTopicPartitionAndOffset() {
        byte[] raw = "{not json".getBytes(StandardCharsets.UTF_8);
        DeadLetter<Payment> deadLetter = (DeadLetter<Payment>) decoder.decode("payments", 3, 17, 1_000, raw);
        assertThat(deadLetter.origin()).isEqualTo(new Origin("payments", 3, 17, 1_000));
        assertThat(deadLetter.stage()).isEqualTo("deserialize");
        assertThat(deadLetter.payload()).isSameAs(raw);
        assertThat(deadLetter.error())
                .isInstanceOf(DeserializationException.class)
                .hasMessageStartingWith("cannot deserialize the value of topic payments, partition 3, offset 17: ")
                .hasMessageContaining(Payment.class.getName())
                .hasMessageNotContaining("\n");
        assertThat(((DeserializationException) deadLetter.error()).origin()).isEqualTo(deadLetter.origin());
        assertThat(((DeserializationException) deadLetter.error()).isRetryable())
                .isFalse();
    }

    @Test
    void wrongTypesBecomeADeadLetter() {
        StreamElement<Payment> element =
                decoder.decode("payments", 0, 4, 0, "{\"id\":1,\"account\":\"a\",\"amountCents\":\"lots\"}".getBytes());
        assertThat(element).isInstanceOf(DeadLetter.class);
        assertThat(((DeadLetter<?>) element).errorMessage()).contains("topic payments, partition 0, offset 4");
    }

    @Test
    void aTombstoneBecomesADeadLetterWithoutPayload() {
        DeadLetter<Payment> deadLetter = (DeadLetter<Payment>) decoder.decode("payments", 1, 2, 0, null);
        assertThat(deadLetter.payload()).isNull();
        assertThat(deadLetter.errorMessage())
                .isEqualTo("cannot deserialize the value of topic payments, partition 1, offset 2: the record has no"
                        + " value (a tombstone)");
    }
}
