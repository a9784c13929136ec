package io.onceflow.kafka.internal;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.SinkContext;
import io.onceflow.core.Source;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSink;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The {@link KafkaSink} at least once ({@link io.onceflow.kafka.DeliveryGuarantee#AT_LEAST_ONCE}): each run of the
 * pipeline opens an {@link AtLeastOnceWriter} with an idempotent producer of its own.
 */
public final class DefaultKafkaAtLeastOnceSink<T> implements KafkaSink<T> {

    private final SinkPairing pairing;
    private final KafkaSinkOptions options;
    private final Function<? super T, KafkaRecord> toRecord;

    /**
     * A sink that commits the positions of {@code source}, or, when {@code source} is null (the deprecated
     * {@code create} methods), of the pipeline's Kafka source in the sink's group.
     *
     * @throws IllegalArgumentException when the options ask for exactly once, name another cluster or group than the
     *     source's, or name no cluster for a sink without a source
     */
    public DefaultKafkaAtLeastOnceSink(
            @Nullable KafkaSource<?> source, KafkaSinkOptions options, Function<? super T, KafkaRecord> toRecord) {
        if (!options.atLeastOnce()) {
            throw new IllegalArgumentException("the at-least-once sink needs deliveryGuarantee AT_LEAST_ONCE");
        }
        this.pairing = SinkPairing.of(source, options);
        this.options = pairing.options();
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

    /** No transaction to outlast: only the offsets' timeout and the claim are checked. */
    @Override
    public void validate(PipelineOptions pipeline, Source<?> source) {
        pairing.validate(pipeline, source, this.toString());
        DefaultKafkaTransactionalSink.validateTimeouts(options, pipeline, source);
    }

    @Override
    public boolean hasDeadLetterDestination() {
        return options.hasDeadLetterTopic();
    }

    @Override
    public Mono<CommitPointWriter<T>> open(SinkContext context) {
        return Mono.defer(() -> {
            String pipeline = context.pipeline();
            String groupId = pairing.groupId(pipeline);
            String prefix = options.transactionalIdPrefix() != null ? options.transactionalIdPrefix() : pipeline;
            String changelog = options.changelogTopic() != null ? options.changelogTopic() : pipeline + "-changelog";
            String clientId = prefix + "-" + context.instanceId();
            return new AtLeastOnceWriter<T>(
                            options,
                            context,
                            toRecord,
                            groupId,
                            clientId,
                            changelog,
                            () -> new KafkaProducer<>(
                                    TransactionalClients.idempotentProducer(options, clientId),
                                    new ByteArraySerializer(),
                                    new ByteArraySerializer()),
                            Admin.create(TransactionalClients.admin(options, clientId)))
                    .start();
        });
    }

    @Override
    public String toString() {
        return "KafkaSink[" + options.name() + ", at least once]";
    }
}
