package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.KeyPartitioner;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.common.utils.Utils;

/**
 * {@link KeyPartitioner}s of Kafka's default producer: a keyed record goes to partition
 * {@code toPositive(murmur2(keyBytes)) % partitions}. Give a keyed operator the one that matches how its input was
 * produced, and it dead-letters a record read from another partition than its key's:
 *
 * <pre>{@code
 * flux.keyed(Keyed.update(Payment::account, Balance::empty, Balance::apply)
 *         .named("balances")
 *         .partitionedBy(KafkaPartitioners.utf8()))       // payments produced with the account as a String key
 * }</pre>
 *
 * @since 0.2
 */
public final class KafkaPartitioners {

    private KafkaPartitioners() {}

    /** Keys produced as their UTF-8 text (a {@code StringSerializer}), by Kafka's default partitioner. */
    public static KeyPartitioner<Object> utf8() {
        return bytes(key -> String.valueOf(key).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Keys produced as {@code keyBytes(key)}, by Kafka's default partitioner: when the operator's key is not the
     * record's Kafka key itself (an account and currency, of records keyed by the account), give the Kafka key's
     * bytes.
     */
    public static <K> KeyPartitioner<K> bytes(Function<? super K, byte[]> keyBytes) {
        requireNonNull(keyBytes, "keyBytes");
        return (key, partitions) -> Utils.toPositive(Utils.murmur2(keyBytes.apply(key))) % partitions;
    }
}
