package io.onceflow.benchmarks.kafka;

import io.onceflow.kafka.Format;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Aggregator;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Initializer;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/** How the benchmarks run their Kafka Streams baselines: alike, so that they stay comparable with each other. */
public final class StreamsSettings {

    private StreamsSettings() {}

    /**
     * An {@code exactly_once_v2} application committing every {@code commitInterval}: a balance out per payment (no
     * record cache, like the Onceflow jobs), one stream thread, replication factor 1, reading its input from the
     * beginning, with {@code producer} given to its producer.
     */
    public static Properties exactlyOnce(
            String application,
            String bootstrap,
            Duration commitInterval,
            Path stateDir,
            Map<String, String> producer) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval.toMillis());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // one output per input, like the others
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        producer.forEach((key, value) -> props.put(StreamsConfig.producerPrefix(key), value));
        return props;
    }

    /** Deletes a finished application's state directory, with everything in it. */
    public static void deleteStateDir(Path stateDir) throws IOException {
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
    }

    /**
     * The ledger's topology in the Streams DSL: {@code input}'s values, keyed by account, folded per key by
     * {@code fold} from {@code initial} in an in-memory store, each new aggregate written to {@code output}.
     */
    public static <P, B> Topology ledger(
            String input,
            String output,
            String store,
            Format<P> payments,
            Format<B> balances,
            Initializer<B> initial,
            Aggregator<String, P, B> fold) {
        Serde<B> balanceSerde = serde(balances);
        StreamsBuilder topology = new StreamsBuilder();
        topology.stream(input, Consumed.with(Serdes.String(), serde(payments)))
                .groupByKey()
                .aggregate(
                        initial,
                        fold,
                        Materialized.<String, B>as(Stores.inMemoryKeyValueStore(store))
                                .withKeySerde(Serdes.String())
                                .withValueSerde(balanceSerde))
                .toStream()
                .to(output, Produced.with(Serdes.String(), balanceSerde));
        return topology.build();
    }

    /** A Streams serde of an Onceflow format. */
    private static <T> Serde<T> serde(Format<T> format) {
        return Serdes.serdeFrom(
                (topic, value) -> value == null ? null : format.encode(value),
                (topic, bytes) -> bytes == null ? null : format.decode(bytes));
    }
}
