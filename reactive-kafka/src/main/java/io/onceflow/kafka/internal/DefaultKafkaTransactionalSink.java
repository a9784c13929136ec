package io.onceflow.kafka.internal;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.SinkContext;
import io.onceflow.core.Source;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaTransactionalSink;
import java.time.Duration;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** The {@link KafkaTransactionalSink}: each run of the pipeline opens a {@link TransactionalWriter}. */
public final class DefaultKafkaTransactionalSink<T> implements KafkaTransactionalSink<T> {

    private final SinkPairing pairing;
    private final KafkaSinkOptions options;
    private final Function<? super T, KafkaRecord> toRecord;

    /**
     * A sink that commits the positions of {@code source}, or, when {@code source} is null (the deprecated
     * {@code create} methods), of the pipeline's Kafka source in the sink's group.
     *
     * @throws IllegalArgumentException when the options name another cluster or group than the source's, or name no
     *     cluster for a sink without a source
     */
    public DefaultKafkaTransactionalSink(
            @Nullable KafkaSource<?> source, KafkaSinkOptions options, Function<? super T, KafkaRecord> toRecord) {
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

    /**
     * A checkpoint's transaction is open from its first record to its commit: with a checkpoint interval as long as
     * the transaction timeout, the coordinator would abort transactions that were about to commit. The commit waits
     * {@code requestTimeout} for its offsets: a checkpoint timeout shorter than that would fail the checkpoint with a
     * timeout before the commit could say what went wrong. A claim that waits longer than the source lets an
     * assignment take would be cut short by the source.
     */
    @Override
    public void validate(PipelineOptions pipeline, Source<?> source) {
        pairing.validate(pipeline, source, this.toString());
        Duration interval = pipeline.checkpointInterval();
        if (!interval.isZero() && interval.compareTo(options.transactionTimeout()) >= 0) {
            throw new PipelineConfigurationException("pipeline '" + pipeline.name() + "': checkpointEvery ("
                    + interval + ") must be shorter than the Kafka sink's transactionTimeout ("
                    + options.transactionTimeout() + "): each checkpoint is one transaction, open from its first record"
                    + " to its commit, and the transaction coordinator aborts one open longer than its timeout."
                    + " Checkpoint more often, or raise transactionTimeout (the broker caps it at"
                    + " transaction.max.timeout.ms, 15 minutes by default)");
        }
        validateTimeouts(options, pipeline, source);
    }

    /**
     * What both guarantees check: the checkpoint timeout leaves room for the offsets' own timeout, and a claim fits
     * in the source's assignment.
     */
    static void validateTimeouts(KafkaSinkOptions options, PipelineOptions pipeline, Source<?> source) {
        if (pipeline.checkpointTimeout().compareTo(options.requestTimeout()) <= 0) {
            throw new PipelineConfigurationException("pipeline '" + pipeline.name() + "': checkpointTimeout ("
                    + pipeline.checkpointTimeout() + ") must be longer than the Kafka sink's requestTimeout ("
                    + options.requestTimeout() + "), which a commit may spend waiting for its offsets to be sent:"
                    + " otherwise a slow commit fails as a checkpoint timeout instead of with its cause. Raise"
                    + " checkpointTimeout, or lower requestTimeout");
        }
        if (source instanceof KafkaSource<?> kafka
                && options.claimTimeout().compareTo(kafka.options().assignTimeout()) >= 0) {
            throw new PipelineConfigurationException("pipeline '" + pipeline.name() + "': the Kafka sink's"
                    + " claimTimeout (" + options.claimTimeout() + ") must be shorter than the source's assignTimeout ("
                    + kafka.options().assignTimeout() + "): claiming a partition waits for its previous owner's"
                    + " transaction within the source's assignment. Raise assignTimeout (and max.poll.interval.ms"
                    + " with it), or lower claimTimeout (at least transactionTimeout + 10 s)");
        }
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
