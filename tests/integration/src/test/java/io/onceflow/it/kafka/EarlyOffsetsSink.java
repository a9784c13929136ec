package io.onceflow.it.kafka;

import io.onceflow.core.CommitPoint;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.Source;
import io.onceflow.core.SourcePartition;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * <strong>Broken on purpose</strong>: the at-least-once sink with each checkpoint's positions committed (to a group of
 * their own, from which a claim resumes) before the sink has sent and awaited the checkpoint's writes. A halt at
 * {@link ProtocolPoint#AFTER_SEND_OFFSETS}, which this wrapper reaches once those positions are out, loses what the
 * producer still held. {@link KafkaAtLeastOnceKillIT} must see the losses.
 */
final class EarlyOffsetsSink<T> implements CommitPoint<T> {

    private final CommitPoint<T> delegate;
    private final String bootstrap;
    private final String group;

    private EarlyOffsetsSink(CommitPoint<T> delegate, String bootstrap, String group) {
        this.delegate = delegate;
        this.bootstrap = bootstrap;
        this.group = group;
    }

    static <T> CommitPoint<T> wrap(CommitPoint<T> delegate, String bootstrap, String group) {
        return new EarlyOffsetsSink<>(delegate, bootstrap, group);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void validate(PipelineOptions pipeline, Source<?> source) {
        delegate.validate(pipeline, source);
    }

    @Override
    public Mono<CommitPointWriter<T>> open(SinkContext context) {
        return delegate.open(context)
                .map(writer -> new Writer<>(
                        writer,
                        Admin.create(Map.of("bootstrap.servers", bootstrap)),
                        group,
                        context.protocolListener()));
    }

    private record Writer<T>(CommitPointWriter<T> delegate, Admin admin, String group, ProtocolListener listener)
            implements CommitPointWriter<T> {

        /** The Kafka source finds the sink's own writer through the decoration, and binds itself to it. */
        @Override
        public <W> Optional<W> as(Class<W> type) {
            return delegate.as(type);
        }

        @Override
        public long lastCompletedCheckpoint() {
            return delegate.lastCompletedCheckpoint();
        }

        @Override
        public Mono<Long> lastCompletedCheckpointWhenKnown() {
            return delegate.lastCompletedCheckpointWhenKnown();
        }

        /** The sink's state, but the early positions. */
        @Override
        public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
            return delegate.recover(partitions)
                    .flatMap(recovery -> Mono.fromCallable(() -> early(partitions))
                            .subscribeOn(Schedulers.boundedElastic())
                            .map(positions -> new Recovery(positions, recovery.state())));
        }

        private Positions early(Collection<SourcePartition> partitions) throws Exception {
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

        /** The bug: the positions go out first, the writes are sent and awaited after. */
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
        public void write(Data<T> record) {
            delegate.write(record);
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
        public void deadLettersOf(long checkpointId, List<DeadLetter<?>> deadLetters) {
            delegate.deadLettersOf(checkpointId, deadLetters);
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
}
