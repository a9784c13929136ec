package io.onceflow.kafka.internal;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.SinkContext;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/** The {@link KafkaTransactionalSink}: each run of the pipeline opens a {@link TransactionalWriter}. */
public final class DefaultKafkaTransactionalSink<T> implements KafkaTransactionalSink<T> {

    private final KafkaSinkOptions options;
    private final Function<? super T, KafkaRecord> toRecord;

    public DefaultKafkaTransactionalSink(KafkaSinkOptions options, Function<? super T, KafkaRecord> toRecord) {
        this.options = options;
        this.toRecord = toRecord;
    }

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public KafkaSinkOptions options() {
        return options;
    }

    @Override
    public Mono<CommitPointWriter<T>> open(SinkContext context) {
        return Mono.defer(() -> {
            String pipeline = context.pipeline();
            String groupId = options.groupId() != null ? options.groupId() : pipeline;
            String prefix = options.transactionalIdPrefix() != null ? options.transactionalIdPrefix() : pipeline;
            String changelog = options.changelogTopic() != null ? options.changelogTopic() : pipeline + "-changelog";
            // before the source opens: Kafka is the commit point, so the source commits no offsets of its own
            context.attributes().put(KafkaRunAttributes.TRANSACTIONAL_SINK, options.name());
            return new TransactionalWriter<T>(
                            options, context, toRecord, groupId, prefix + "-" + context.instanceId(), changelog)
                    .start();
        });
    }

    @Override
    public String toString() {
        return "KafkaTransactionalSink[" + options.name() + "]";
    }
}
