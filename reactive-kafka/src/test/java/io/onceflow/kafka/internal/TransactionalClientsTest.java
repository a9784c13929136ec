package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.kafka.KafkaSinkOptions;
import org.junit.jupiter.api.Test;

class TransactionalClientsTest {

    private static KafkaSinkOptions.Builder options() {
        return KafkaSinkOptions.builder().bootstrapServers("127.0.0.1:9");
    }

    /** The fence after a crash waits for retries of InitProducerId: they come every 20 ms unless the user says. */
    @Test
    void theTransactionalProducerRetriesItsFenceSoonerUnlessTheUserSetsTheBackoff() {
        assertThat(TransactionalClients.producer(options().build(), "t-1")).containsEntry("retry.backoff.ms", "20");
        assertThat(TransactionalClients.producer(
                        options().clientProperty("retry.backoff.ms", 150).build(), "t-1"))
                .containsEntry("retry.backoff.ms", "150");
        assertThat(TransactionalClients.producer(
                        options()
                                .clientProperty("retry.backoff.ms", 150)
                                .producerProperty("retry.backoff.ms", 250)
                                .build(),
                        "t-1"))
                .containsEntry("retry.backoff.ms", "250");
    }
}
