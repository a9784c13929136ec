package io.onceflow.kafka.internal;

import io.onceflow.kafka.KafkaSinkOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings of the three clients a Kafka sink's writer opens: the producer (transactional, or idempotent for at
 * least once), the admin client
 * (group offsets, the changelog topic) and the changelog reader. The user's client properties come first; what the
 * exactly-once protocol depends on is set last, so that no property can turn it off.
 */
final class TransactionalClients {

    private TransactionalClients() {}

    static Map<String, Object> producer(KafkaSinkOptions options, String transactionalId) {
        Map<String, Object> properties = common(options);
        // throughput defaults: records stay invisible until the commit, which flushes, so lingering costs nothing
        properties.put("batch.size", "262144");
        properties.put("linger.ms", "50");
        // a restarted sink's fence: until the coordinator has aborted its predecessor's open transaction it answers
        // CONCURRENT_TRANSACTIONS, and the producer asks again after retry.backoff.ms, a fixed pause for transactional
        // requests (others back off exponentially from it to retry.backoff.max.ms). 20 ms instead of Kafka's 100 takes
        // initTransactions after a killed predecessor from about 210 to 50 ms (FenceBenchmark). A client property of
        // the user's with the same name wins, as does a producer property.
        properties.putIfAbsent("retry.backoff.ms", "20");
        properties.putAll(options.producerProperties());
        properties.put("transactional.id", transactionalId);
        properties.put("enable.idempotence", "true");
        properties.put("acks", "all");
        properties.put(
                "transaction.timeout.ms",
                String.valueOf(options.transactionTimeout().toMillis()));
        properties.putIfAbsent("client.id", "onceflow-" + transactionalId);
        return properties;
    }

    /**
     * The at-least-once sink's producer: idempotent ({@code enable.idempotence=true}, {@code acks=all}: a retried
     * send is written once and in order), without a transactional id. The same batching defaults as the
     * transactional producer, so that only the guarantee differs; each checkpoint flushes.
     */
    static Map<String, Object> idempotentProducer(KafkaSinkOptions options, String clientId) {
        Map<String, Object> properties = common(options);
        properties.put("batch.size", "262144");
        properties.put("linger.ms", "50");
        properties.putAll(options.producerProperties());
        properties.remove("transactional.id");
        properties.put("enable.idempotence", "true");
        properties.put("acks", "all");
        properties.putIfAbsent("client.id", "onceflow-" + clientId);
        return properties;
    }

    static Map<String, Object> admin(KafkaSinkOptions options, String transactionalId) {
        Map<String, Object> properties = common(options);
        properties.putIfAbsent(
                "default.api.timeout.ms",
                String.valueOf(options.requestTimeout().toMillis()));
        properties.putIfAbsent("client.id", "onceflow-" + transactionalId + "-admin");
        return properties;
    }

    /** The changelog reader sees committed transactions only: an aborted checkpoint's state never comes back. */
    static Map<String, Object> changelogReader(KafkaSinkOptions options, String transactionalId) {
        Map<String, Object> properties = common(options);
        properties.put("isolation.level", "read_committed");
        properties.put("enable.auto.commit", "false");
        properties.putIfAbsent("max.poll.records", "2000");
        properties.putIfAbsent("client.id", "onceflow-" + transactionalId + "-changelog");
        return properties;
    }

    private static Map<String, Object> common(KafkaSinkOptions options) {
        Map<String, Object> properties = new HashMap<>(options.clientProperties());
        properties.put("bootstrap.servers", options.bootstrapServers());
        return properties;
    }
}
