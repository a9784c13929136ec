package io.onceflow.kafka.internal;

import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.RunAttributes;
import io.onceflow.core.SinkContext;

/** What the Kafka source and the Kafka transactional sink of one pipeline run tell each other. */
final class KafkaRunAttributes {

    private KafkaRunAttributes() {}

    /** Set by the source when it opens: its consumer group and current group metadata. */
    public static final RunAttributes.Key<KafkaSourceBinding> SOURCE =
            new RunAttributes.Key<>("onceflow.kafka.source", KafkaSourceBinding.class);

    /**
     * Set by a Kafka sink (either guarantee) when it opens (before the source does): Kafka is the commit point, so
     * the source must not commit group offsets itself.
     */
    public static final RunAttributes.Key<String> TRANSACTIONAL_SINK =
            new RunAttributes.Key<>("onceflow.kafka.transactional-sink", String.class);

    /**
     * The run's Kafka source, for a transactional sink that commits for consumer group {@code groupId}: its offsets
     * are the source's positions, so another source, or a source in another group, is a configuration error.
     */
    static KafkaSourceBinding sourceFor(SinkContext context, String groupId) {
        String pipeline = context.pipeline();
        KafkaSourceBinding source = context.attributes()
                .get(SOURCE)
                .orElseThrow(() -> new PipelineConfigurationException("pipeline '" + pipeline + "': the Kafka"
                        + " transactional sink commits the source's positions as consumer group offsets, so the"
                        + " pipeline must read with a KafkaSource"));
        if (!source.groupId().equals(groupId)) {
            throw new PipelineConfigurationException("pipeline '" + pipeline + "': the KafkaSource reads in group '"
                    + source.groupId() + "' but the Kafka transactional sink commits for group '" + groupId
                    + "': set the same groupId on both (or on neither, for the pipeline's name)");
        }
        return source;
    }
}
