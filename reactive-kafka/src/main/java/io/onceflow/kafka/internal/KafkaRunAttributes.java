package io.onceflow.kafka.internal;

import io.onceflow.core.RunAttributes;

/** What the Kafka source and the Kafka transactional sink of one pipeline run tell each other. */
public final class KafkaRunAttributes {

    private KafkaRunAttributes() {}

    /** Set by the source when it opens: its consumer group and current group metadata. */
    public static final RunAttributes.Key<KafkaSourceBinding> SOURCE =
            new RunAttributes.Key<>("onceflow.kafka.source", KafkaSourceBinding.class);

    /**
     * Set by the transactional sink when it opens (before the source does): Kafka is the commit point, so the source
     * must not commit group offsets itself.
     */
    public static final RunAttributes.Key<String> TRANSACTIONAL_SINK =
            new RunAttributes.Key<>("onceflow.kafka.transactional-sink", String.class);
}
