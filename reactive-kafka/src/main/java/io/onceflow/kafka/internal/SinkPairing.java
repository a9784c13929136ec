package io.onceflow.kafka.internal;

import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.Source;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka sink's pairing with the {@link KafkaSource} whose positions it commits: the sink takes the cluster, the
 * consumer group and the connection settings from the source it is created from, and refuses at assembly a pipeline
 * that reads any other source. A sink made by the deprecated {@code create} methods has no source of its own
 * ({@code source} null) and pairs with the pipeline's, if it is a {@code KafkaSource} in the sink's group.
 *
 * @param source the source the sink was created from, or {@code null} for a sink made without one
 * @param options the sink's options, with the source's cluster, group and connection settings filled in
 */
record SinkPairing(@Nullable KafkaSource<?> source, KafkaSinkOptions options) {

    /**
     * The consumer settings a sink's clients need too, to reach the same cluster: the connection and its security.
     * Anything else of the consumer's (fetch sizes, isolation) is the consumer's own.
     */
    private static boolean connectionSetting(String key) {
        return key.startsWith("security.")
                || key.startsWith("sasl.")
                || key.startsWith("ssl.")
                || key.equals("client.dns.lookup");
    }

    /**
     * The pairing of a sink created from {@code source}, or made without one ({@code source} null, deprecated).
     *
     * @throws IllegalArgumentException when {@code options} name another cluster or group than the source's, or no
     *     cluster for a sink without a source
     */
    static SinkPairing of(@Nullable KafkaSource<?> source, KafkaSinkOptions options) {
        if (source == null) {
            return unpaired(options);
        }
        KafkaSourceOptions<?> read = source.options();
        if (options.bootstrapServers() != null && !options.bootstrapServers().equals(read.bootstrapServers())) {
            throw new IllegalArgumentException("the sink's bootstrapServers (" + options.bootstrapServers()
                    + ") are not its source's (" + read.bootstrapServers() + "): a Kafka sink writes to the cluster"
                    + " its source reads, since it commits the source's offsets. Leave bootstrapServers unset on the"
                    + " sink: it takes the source's");
        }
        if (options.groupId() != null && !options.groupId().equals(read.groupId())) {
            throw new IllegalArgumentException("the sink's groupId (" + options.groupId() + ") is not its source's ("
                    + (read.groupId() != null ? read.groupId() : "unset: the pipeline's name") + "): a Kafka sink"
                    + " commits offsets for its source's consumer group. Leave groupId unset on the sink: it takes"
                    + " the source's");
        }
        Map<String, String> clients = new LinkedHashMap<>();
        read.consumerProperties().forEach((key, value) -> {
            if (connectionSetting(key)) {
                clients.put(key, value);
            }
        });
        clients.putAll(options.clientProperties());
        KafkaSinkOptions.Builder paired =
                options.toBuilder().bootstrapServers(read.bootstrapServers()).clientProperties(clients);
        if (read.groupId() != null) {
            paired.groupId(read.groupId());
        }
        return new SinkPairing(source, paired.build());
    }

    /**
     * The pairing of a sink made without a source (deprecated): it pairs with whatever Kafka source the pipeline
     * reads, in its group.
     *
     * @throws IllegalArgumentException when {@code options} have no bootstrap servers
     */
    private static SinkPairing unpaired(KafkaSinkOptions options) {
        if (options.bootstrapServers() == null) {
            throw new IllegalArgumentException("bootstrapServers is required for a Kafka sink created without its"
                    + " source: create it from the pipeline's source, KafkaSink.create(source, options, toRecord),"
                    + " which takes the cluster and the group from it, or set bootstrapServers");
        }
        return new SinkPairing(null, options);
    }

    /** The consumer group the sink commits for in {@code pipeline}. */
    String groupId(String pipeline) {
        return options.groupId() != null ? options.groupId() : pipeline;
    }

    /**
     * Checks, at assembly, that the pipeline reads the source this sink commits the positions of.
     *
     * @param sink how the sink names itself in messages
     * @throws PipelineConfigurationException when it reads another source, with what to change
     */
    void validate(PipelineOptions pipeline, Source<?> read, String sink) {
        String name = pipeline.name();
        if (!(read instanceof KafkaSource<?> kafka)) {
            throw new PipelineConfigurationException("pipeline '" + name + "': " + sink + " commits its source's"
                    + " positions as consumer group offsets, so the pipeline must read with the KafkaSource the sink"
                    + " was created from, not " + read);
        }
        if (source != null && source != read) {
            throw new PipelineConfigurationException("pipeline '" + name + "': " + sink + " was created from "
                    + source + ", but the pipeline reads " + read + ": a Kafka sink commits the positions of the"
                    + " source it was created from. Create the sink from this pipeline's source,"
                    + " KafkaSink.create(source, options, toRecord)");
        }
        String sourceGroup = kafka.options().groupId() != null ? kafka.options().groupId() : name;
        if (!Objects.equals(sourceGroup, groupId(name))) {
            throw new PipelineConfigurationException("pipeline '" + name + "': the KafkaSource reads in group '"
                    + sourceGroup + "' but " + sink + " commits for group '" + groupId(name) + "': create the sink"
                    + " from its source, KafkaSink.create(source, options, toRecord), which takes the source's group");
        }
    }
}
