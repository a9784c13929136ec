package io.onceflow.chaos.processor;

import io.onceflow.core.CommitPoint;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * <strong>Broken on purpose</strong>: a commit point whose positions are made durable before its output.
 *
 * <p>It wraps a correct commit point, but commits each checkpoint's positions as the offsets of a Kafka consumer group
 * of its own first, then lets the wrapped commit point commit the checkpoint; and a claim resumes from those offsets.
 * This is the classic bug of committing the consumer's offsets before the sink has committed the output: a crash
 * between the two (here {@link ProtocolPoint#AFTER_SEND_OFFSETS}, which this participant reaches once the offsets are
 * out) skips the checkpoint's records for good. The campaign must catch it as losses.
 */
final class EarlyOffsetsCommitPoint<T> implements CommitPoint<T> {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final CommitPoint<T> delegate;
    private final String bootstrapServers;
    private final String group;

    private EarlyOffsetsCommitPoint(CommitPoint<T> delegate, String bootstrapServers, String group) {
        this.delegate = delegate;
        this.bootstrapServers = bootstrapServers;
        this.group = group;
    }

    /** {@code delegate}, with its positions committed first to {@code group}, and read from there on a claim. */
    static <T> CommitPoint<T> wrap(CommitPoint<T> delegate, String bootstrapServers, String group) {
        return new EarlyOffsetsCommitPoint<>(delegate, bootstrapServers, group);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Mono<CommitPointWriter<T>> open(SinkContext context) {
        return delegate.open(context)
                .map(writer -> new Writer<>(
                        writer,
                        Admin.create(Map.of(
                                "bootstrap.servers",
                                bootstrapServers,
                                "request.timeout.ms",
                                5_000,
                                "default.api.timeout.ms",
                                (int) TIMEOUT.toMillis())),
                        group,
                        context.protocolListener()));
    }

    /** One run's writer: the wrapped writer, plus the early offsets. */
    private static final class Writer<T> implements CommitPointWriter<T> {
        private final CommitPointWriter<T> delegate;
        private final Admin admin;
        private final String group;
        private final ProtocolListener listener;

        Writer(CommitPointWriter<T> delegate, Admin admin, String group, ProtocolListener listener) {
            this.delegate = delegate;
            this.admin = admin;
            this.group = group;
            this.listener = listener;
        }

        @Override
        public long lastCompletedCheckpoint() {
            return delegate.lastCompletedCheckpoint();
        }

        @Override
        public Mono<Long> lastCompletedCheckpointWhenKnown() {
            return delegate.lastCompletedCheckpointWhenKnown();
        }

        /** The wrapped commit point's claim and state, but the positions of the early offsets. */
        @Override
        public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
            return delegate.recover(partitions)
                    .flatMap(recovery -> Mono.fromCallable(() -> earlyPositions(partitions))
                            .subscribeOn(Schedulers.boundedElastic())
                            .map(positions -> new Recovery(positions, recovery.state())));
        }

        private Positions earlyPositions(Collection<SourcePartition> partitions) throws Exception {
            Map<TopicPartition, SourcePartition> byTopicPartition = new HashMap<>();
            partitions.forEach(p -> byTopicPartition.put(new TopicPartition(p.source(), p.partition()), p));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(Map.of(
                            group, new ListConsumerGroupOffsetsSpec().topicPartitions(byTopicPartition.keySet())))
                    .partitionsToOffsetAndMetadata(group)
                    .get();
            Map<SourcePartition, Long> positions = new HashMap<>();
            committed.forEach((partition, offset) -> {
                if (offset != null) {
                    positions.put(byTopicPartition.get(partition), offset.offset());
                }
            });
            return Positions.of(positions);
        }

        @Override
        public boolean acceptsDeadLetters() {
            return delegate.acceptsDeadLetters();
        }

        @Override
        public void deadLetter(DeadLetter<?> deadLetter) {
            delegate.deadLetter(deadLetter);
        }

        @Override
        public void deadLettersOf(long checkpointId, java.util.List<DeadLetter<?>> deadLetters) {

            delegate.deadLettersOf(checkpointId, deadLetters);
        }

        @Override
        public void write(Data<T> record) {
            delegate.write(record);
        }

        /** The bug: the positions go out first, the checkpoint commits after. */
        @Override
        public Mono<Void> checkpoint(Marker<?> marker) {
            Mono<Void> commit = delegate.checkpoint(marker); // seals now, as the contract requires
            if (marker.positions().isEmpty()) {
                return commit;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            marker.positions()
                    .asMap()
                    .forEach((partition, next) -> offsets.put(
                            new TopicPartition(partition.source(), partition.partition()),
                            new OffsetAndMetadata(next)));
            return Mono.fromCallable(() -> admin.alterConsumerGroupOffsets(group, offsets)
                            .all()
                            .get())
                    .subscribeOn(Schedulers.boundedElastic())
                    .then(Mono.fromRunnable(
                            () -> listener.reached(ProtocolPoint.AFTER_SEND_OFFSETS, marker.checkpointId())))
                    .then(commit);
        }

        @Override
        public int bufferedRecords() {
            return delegate.bufferedRecords();
        }

        @Override
        public int maxBufferedRecords() {
            return delegate.maxBufferedRecords();
        }

        @Override
        public Mono<Void> close() {
            return delegate.close()
                    .then(Mono.<Void>fromRunnable(() -> admin.close(Duration.ofSeconds(5)))
                            .subscribeOn(Schedulers.boundedElastic()));
        }
    }

    @Override
    public String toString() {
        return "EarlyOffsetsCommitPoint[" + delegate + ", group=" + group + "]";
    }
}
