package io.onceflow.kafka.internal;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Marker;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.SourceContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StreamElement;
import io.onceflow.core.TransientFailureException;
import io.onceflow.core.internal.batch.RecordBatch;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.StartPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One run of a {@link DefaultKafkaSource}: a consumer polled by a {@link PollLoop}, whose rebalance callbacks claim and
 * give up partitions through the pipeline, and whose records become a batch per partition and poll.
 *
 * <p>Threads: the consumer's poll thread ({@code onceflow-kafka-poll-<pipeline>-<instance>}, a plain thread) runs the
 * rebalance callbacks, which wait there, bounded, for the pipeline to claim or close partitions; records are decoded
 * and emitted on a single Reactor thread of this run ({@code onceflow-kafka-<pipeline>}), or by a downstream request
 * that drains what the run's merge holds, never on the poll thread.
 */
final class KafkaSourceRun<T> implements KafkaSourceBinding, SourceConsumer.Observer {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSourceRun.class);
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    /** Polls buffered between the consumer and the pipeline: one being emitted, one ready. */
    private static final int PREFETCH_POLLS = 2;

    /** How long a cancelled source keeps its consumer, at most, waiting for the end of the run. */
    private static final Duration LINGER = Duration.ofSeconds(30);

    /** The bound on the consumer's close (leaving the group): the Kafka client's own default. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaSourceOptions<T> options;
    private final SourceContext context;
    private final LagMeters lagMeters;
    private final GatedEmission<T> emission;
    private final String groupId;
    private final Object gateLock = new Object();
    private final Map<TopicPartition, PartitionGate> gates = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final Sinks.Empty<Void> failure = Sinks.empty();
    private volatile @Nullable SourceConsumer consumer;
    /** The Kafka sink made from this source, when it is the commit point: told of the partitions given up. */
    private volatile @Nullable PairedKafkaWriter pairedWriter;
    /** Partitions lost in the poll in progress, to fail the run with when it ends (poll thread only). */
    private @Nullable TransientFailureException lost;

    KafkaSourceRun(KafkaSourceOptions<T> options, SourceContext context, LagMeters lagMeters) {
        this.options = options;
        this.context = context;
        this.lagMeters = lagMeters;
        this.emission = new GatedEmission<>(
                options.name(), new RecordDecoder<>(options.recordFormat()), gates, gateLock, context::recordBytes);
        this.groupId = options.groupId() != null ? options.groupId() : context.pipeline();
    }

    /**
     * The records of this run, a {@link RecordBatch} for each partition of each poll; subscribing starts the
     * consumer.
     */
    Flux<Object> batches() {
        return polled(merged -> merged.<Object>handle(emission::batch));
    }

    /** The records of this run, one element each; subscribing starts the consumer. */
    Flux<StreamElement<T>> elements() {
        // the records of a poll wait in the iterable's queue, before the gate, which decides as each leaves it
        return polled(merged -> merged.concatMapIterable(records -> records, PREFETCH_POLLS)
                .<StreamElement<T>>handle(emission::record));
    }

    /**
     * The run's records, each partition's of a poll in one list, through {@code emitting}: the gate, which must
     * decide as a record leaves the last queue of the source, so that no admitted record waits in one.
     */
    private <E> Flux<E> polled(Function<Flux<List<ConsumerRecord<byte[], byte[]>>>, Flux<E>> emitting) {
        // a Kafka sink made from this source is the commit point: it commits the offsets, the source none of its own
        Optional<PairedKafkaWriter> pairedSink = context.commitPointWriter(PairedKafkaWriter.class);
        pairedSink.ifPresent(writer -> writer.bindSource(this));
        pairedWriter = pairedSink.orElse(null);
        boolean kafkaCommitPoint = pairedSink.isPresent();
        Scheduler emittingThread =
                Schedulers.newSingle("onceflow-kafka-" + context.pipeline() + "-" + context.instanceId(), true);
        Disposable completions = context.completedCheckpoints()
                .subscribe(marker -> checkpointCompleted(marker, kafkaCommitPoint), error -> {});
        // nothing is ever acknowledged to the consumer: offsets follow checkpoints only, through the commit point
        Flux<List<ConsumerRecord<byte[], byte[]>>> records = PollLoop.records(
                        this::newConsumer,
                        options.topics(),
                        new Callbacks(),
                        options.pollTimeout(),
                        CLOSE_TIMEOUT,
                        "onceflow-kafka-poll-" + context.pipeline() + "-" + context.instanceId())
                .onErrorMap(
                        FencedInstanceIdException.class,
                        fenced -> KafkaErrors.replacedInGroup(
                                context.pipeline(), context.instanceId(), options.name(), groupId, fenced))
                .onErrorMap(
                        UnreleasedInstanceIdException.class,
                        unreleased -> KafkaErrors.idNotYetReleased(
                                context.pipeline(), context.instanceId(), options.name(), groupId, unreleased))
                .publishOn(emittingThread, PREFETCH_POLLS)
                .flatMapIterable(GatedEmission::byPartition, PREFETCH_POLLS)
                .doFinally(signal -> emittingThread.dispose()); // once the consumer is really gone
        // a stopped source keeps its consumer in the group until the run ends: the final checkpoint's offsets need
        // the group metadata of a current member
        Flux<List<ConsumerRecord<byte[], byte[]>>> lingering = new LingerOnCancel<>(
                        records, context.completedCheckpoints().then(), LINGER)
                // before cancel goes on: revocations from here on (the consumer's close) need no checkpoint
                .doOnCancel(this::end)
                .doOnTerminate(failure::tryEmitEmpty);
        // a failure of the run (a claim that failed, partitions lost) ends the records and cancels the poll loop, which
        // closes the consumer: merge cancels its other sources on an error, where takeUntilOther would leave the
        // poll loop running (it propagates the other's error without cancelling its main), and its consumer would
        // keep the partitions it was assigned, in the group, polling, while the restarted run waited for them
        // (a poll's batches at a time: each holds up to a poll's records of a partition, so the merge holds few)
        Flux<List<ConsumerRecord<byte[], byte[]>>> merged = Flux.merge(
                PREFETCH_POLLS, lingering, failure.asMono().then(Mono.<List<ConsumerRecord<byte[], byte[]>>>empty()));
        // the gate decides as a record leaves the last queue, and the source stage counts it in the same call: decided
        // before that queue, a record of a revoked partition could wait there while the partition was assigned again
        // to this run, then be emitted beside its own re-read (twice)
        return emitting.apply(merged).doFinally(signal -> {
            end();
            completions.dispose();
            gates.keySet().forEach(partition -> {
                LagMeters.Lag lag = lagMeters.existing(partition);
                if (lag != null) {
                    lag.owned = false;
                }
            });
        });
    }

    private void end() {
        ended.complete(null);
    }

    // ---- the poll thread ----

    @Override
    public void polled(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            gate(partition).returned += records.records(partition).size();
        }
    }

    @Override
    public void pollEnded() {
        TransientFailureException loss = lost;
        if (loss != null) {
            lost = null;
            fail(loss);
        }
    }

    @Override
    public void partitionEnd(TopicPartition partition, long end) {
        LagMeters.Lag lag = lagMeters.existing(partition);
        if (lag != null) {
            lag.end = end;
        }
    }

    @Override
    public void expired(TopicPartition partition, long position, long logStart) {
        RecordsExpired.report(context, options.name(), partition, position, logStart);
    }

    private PartitionGate gate(TopicPartition partition) {
        return gates.computeIfAbsent(partition, PartitionGate::new);
    }

    private void assigned(Collection<TopicPartition> assigned) {
        if (ended.isDone() || assigned.isEmpty()) {
            return; // a cooperative rebalance that moved nothing here calls with none
        }
        List<SourcePartition> claimed = new ArrayList<>(assigned.size());
        synchronized (gateLock) {
            for (TopicPartition partition : assigned) {
                PartitionGate gate = gate(partition);
                gate.staleBefore = gate.returned;
                gate.owned = true;
                gate.ownership++;
                claimed.add(sourcePartition(partition));
            }
        }
        SourceConsumer counting = consumer;
        if (counting != null) {
            // from the consumer's metadata, known here: keyed operators check keys against their partition
            for (SourcePartition partition : claimed) {
                List<org.apache.kafka.common.PartitionInfo> info = counting.partitionsFor(partition.source());
                if (info != null) {
                    context.partitionCount(partition.source(), info.size());
                }
            }
        }
        Positions positions;
        try {
            // blocking-ok: the consumer's poll thread (a plain thread of the PollLoop, not a Reactor non-blocking one)
            // must seek before its next fetch; the wait is bounded by assignTimeout, below max.poll.interval.ms
            positions = CallbackWait.await(
                    context.assign(claimed), ended, consumer, options.assignTimeout(), "claiming " + claimed);
        } catch (RuntimeException e) {
            close(assigned);
            fail(
                    e instanceof CancellationException
                            ? null
                            : new TransientFailureException(
                                    "source '" + options.name() + "' of pipeline '" + context.pipeline()
                                            + "' could not claim partitions " + claimed + ": " + e.getMessage(),
                                    e));
            return;
        }
        SourceConsumer polling = requireNonNull(consumer, "the consumer whose callback this is");
        for (TopicPartition topicPartition : assigned) {
            Optional<Long> next = positions.nextOffset(sourcePartition(topicPartition));
            LagMeters.Lag lag = lagMeters.lag(topicPartition, context.meterRegistry(), context.tags());
            lag.owned = true;
            lag.committed = next.orElse(-1L);
            if (next.isPresent()) {
                polling.seek(topicPartition, next.get());
                polling.positioned(topicPartition, next.get());
            } else if (options.startPosition() == StartPosition.EARLIEST) {
                polling.seekToBeginning(List.of(topicPartition));
            } else {
                polling.seekToEnd(List.of(topicPartition));
            }
        }
        CHECKPOINT.info(
                "pipeline={} source={} group={} assigned={} positions={}",
                context.pipeline(),
                options.name(),
                groupId,
                claimed,
                positions);
    }

    private void revoked(Collection<TopicPartition> revoked) {
        List<SourcePartition> released = close(revoked);
        if (ended.isDone() || released.isEmpty()) {
            return;
        }
        SourceConsumer polling = consumer;
        if (polling != null && polling.losing()) {
            // nothing is claimed for this run from here on; the run fails when the poll ends (pollEnded), unless the
            // poll throws why the partitions were lost: a newer member with this consumer's group.instance.id
            // replaced it, and then the run stops instead of restarting (KafkaErrors.replacedInGroup)
            end();
            lost = new TransientFailureException(
                    "source '" + options.name() + "' of pipeline '" + context.pipeline() + "' lost partitions "
                            + released + " (its group session expired): their open checkpoint cannot commit",
                    null);
            return;
        }
        long start = System.nanoTime();
        try {
            context.protocolListener().reached(ProtocolPoint.DURING_REBALANCE, -1);
            // blocking-ok: the poll thread waits for the checkpoint that closes the revoked partitions, so that the
            // next owner starts where this one ended; bounded by the pipeline's revocation grace period (the revoke
            // fails then) and, as a backstop, assignTimeout
            CallbackWait.await(
                    context.revoke(released), ended, consumer, options.assignTimeout(), "revoking " + released);
        } catch (RuntimeException e) {
            fail(e instanceof CancellationException ? null : e);
            return;
        }
        PairedKafkaWriter writer = pairedWriter;
        if (writer != null) {
            writer.released(released);
        }
        CHECKPOINT.info(
                "pipeline={} source={} revoked={} closed by a checkpoint in {} ms",
                context.pipeline(),
                options.name(),
                released,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** Stops emitting the partitions' records, under the gate lock: no emission is in progress after this. */
    private List<SourcePartition> close(Collection<TopicPartition> partitions) {
        List<SourcePartition> closed = new ArrayList<>(partitions.size());
        synchronized (gateLock) {
            for (TopicPartition partition : partitions) {
                PartitionGate gate = gates.get(partition);
                if (gate != null && gate.owned) {
                    gate.owned = false;
                    closed.add(sourcePartition(partition));
                }
                LagMeters.Lag lag = lagMeters.existing(partition);
                if (lag != null) {
                    lag.owned = false;
                }
            }
        }
        return closed;
    }

    private void fail(@Nullable Throwable error) {
        if (error == null) {
            return; // the run is ending anyway
        }
        LOG.warn("pipeline={} source={} failing the run: {}", context.pipeline(), options.name(), error.toString());
        // ended at once: the error reaches the merge below on the emitting thread when that thread is busy, and until
        // then a rebalance callback (the group rejoined after lost partitions) must not claim anything for this run
        end();
        failure.tryEmitError(error);
    }

    // ---- checkpoints ----

    private void checkpointCompleted(Marker<?> marker, boolean kafkaCommitPoint) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        // for lag tooling only (another participant is the commit point): no state checkpoint to record
        String metadata = OffsetMetadata.encode(context.pipeline(), context.instanceId(), marker.checkpointId(), 0);
        marker.positions().asMap().forEach((partition, next) -> {
            TopicPartition topicPartition = new TopicPartition(partition.source(), partition.partition());
            LagMeters.Lag lag = lagMeters.existing(topicPartition);
            if (lag != null) {
                lag.committed = next;
            }
            offsets.put(topicPartition, new OffsetAndMetadata(next, metadata));
        });
        SourceConsumer polling = consumer;
        if (kafkaCommitPoint || !options.commitGroupOffsets() || offsets.isEmpty() || polling == null) {
            return;
        }
        polling.onPollThread(() -> commitGroupOffsets(polling, offsets, marker.checkpointId()));
    }

    /** On the poll thread: commits the offsets of partitions still owned, for lag tooling. */
    private void commitGroupOffsets(
            Consumer<?, ?> polling, Map<TopicPartition, OffsetAndMetadata> offsets, long checkpointId) {
        Set<TopicPartition> assignment = polling.assignment();
        Map<TopicPartition, OffsetAndMetadata> owned = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            PartitionGate gate = gates.get(partition);
            if (assignment.contains(partition) && gate != null && gate.owned) {
                owned.put(partition, offset);
            }
        });
        if (owned.isEmpty()) {
            return;
        }
        polling.commitAsync(owned, (committed, error) -> {
            if (error != null) {
                LOG.debug(
                        "pipeline={} checkpoint={} group offsets not committed (lag tooling only): {}",
                        context.pipeline(),
                        checkpointId,
                        error.toString());
            }
        });
    }

    private static SourcePartition sourcePartition(TopicPartition partition) {
        return new SourcePartition(partition.topic(), partition.partition());
    }

    // ---- the binding the transactional sink reads ----

    @Override
    public String groupId() {
        return groupId;
    }

    @Override
    public Map<TopicPartition, Long> ownership(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> ownership = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionGate gate = gates.get(partition);
            // the assignment counter alone: a revoked partition's closing checkpoint sends its offsets from the
            // revocation callback, after the gate closed, under the assignment it was read in
            ownership.put(partition, gate == null ? -1L : gate.ownership);
        }
        return ownership;
    }

    @Override
    public CompletableFuture<Void> sendOffsets(
            Producer<?, ?> producer,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            long checkpointId,
            Map<TopicPartition, Long> ownership) {
        return onPollThread(polling -> PollThreadOffsets.send(
                polling,
                producer,
                offsets,
                checkpointId,
                ownership(offsets.keySet()),
                ownership,
                context.protocolListener()));
    }

    @Override
    public CompletableFuture<Void> commitOffsets(
            Map<TopicPartition, OffsetAndMetadata> offsets,
            long checkpointId,
            Map<TopicPartition, Long> ownership,
            Duration timeout) {
        return onPollThread(polling -> PollThreadOffsets.commit(
                polling, offsets, checkpointId, ownership(offsets.keySet()), ownership, timeout));
    }

    private CompletableFuture<Void> onPollThread(java.util.function.Consumer<SourceConsumer> task) {
        SourceConsumer polling = consumer;
        return polling != null ? polling.call(task) : CompletableFuture.failedFuture(SourceConsumer.closedError());
    }

    /** Creates this run's consumer, and keeps it: the poll loop calls this once, when the records are subscribed to. */
    private SourceConsumer newConsumer() {
        Map<String, Object> properties =
                SourceClients.consumer(options, groupId, context.pipeline(), context.instanceId());
        SourceConsumer created = new SourceConsumer(
                properties,
                SourceClients.keys(options),
                new ByteArrayDeserializer(),
                SourceClients.onClose(options, properties),
                this);
        consumer = created;
        return created;
    }

    /**
     * The rebalance callbacks, on the poll thread. A lost partition (the session expired) is revoked too (the
     * listener's default), and the consumer tells {@link #revoked} it is a loss.
     */
    private final class Callbacks implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned(partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            revoked(partitions);
        }
    }
}
