package io.onceflow.kafka.internal;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One run's writer of the at-least-once Kafka sink: an idempotent producer without transactions, confined to a thread
 * of its own, and the source's consumer committing the offsets once a checkpoint's writes are acknowledged.
 *
 * <pre>
 *   write ─▶ (producer thread) encode ─▶ send, 256 at a time, whatever checkpoint they belong to
 *   checkpoint(M): send M's rest, dead letters, state changes ─▶ flush ─▶ every ack of M's sends
 *       ─▶ commitSync(M's offsets) on the source's poll thread ─▶ complete
 * </pre>
 *
 * <p>Nothing waits in memory for an earlier checkpoint: records of the next checkpoint are sent while one commits
 * (a replay writes them again anyway). What is held in memory is bounded by the records not yet acknowledged
 * ({@link #bufferedRecords()}), and by the producer's {@code buffer.memory}, whose full buffer blocks the producer
 * thread, never the pipeline's.
 */
final class AtLeastOnceWriter<T> implements CommitPointWriter<T>, PairedKafkaWriter {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    /** Records that accumulate before they are handed to the producer thread; the checkpoint sends any rest. */
    private static final int DRAIN_BATCH = 256;

    /** Attempts at committing a checkpoint's offsets that met a group generation that had just moved on. */
    private static final int GENERATION_RETRIES = 5;

    private final KafkaSinkOptions options;
    /** What the producer sends in one record: a larger output is a poison record, not a failed checkpoint. */
    private final RecordSizeLimit recordLimit;

    private final SinkContext context;
    private final Function<? super T, KafkaRecord> toRecord;
    private final String pipeline;
    private final String clientId;
    private final String groupId;
    private final PairedSource source;
    private final IdempotentProducer producer;
    private final Scheduler recoveryThread;
    private final Admin admin;
    private final Changelog changelog;
    private final ClaimRecovery recovery; // on the recovery thread only
    private final CheckpointRecords checkpointRecords;
    private final ChangelogWarmUp changelogPartitions; // on the producer thread only
    private final StateCheckpoints stateCheckpoints;
    private final AtomicInteger buffered = new AtomicInteger();

    private final LastCheckpointRead lastCompleted;
    private volatile @Nullable RuntimeException failed;
    private volatile boolean closed;

    // guarded by this
    private AtLeastOnceSegment<T> open;
    private final ArrayDeque<AtLeastOnceSegment<T>> sealed = new ArrayDeque<>();
    private boolean drainScheduled;

    AtLeastOnceWriter(
            KafkaSinkOptions options,
            SinkContext context,
            Function<? super T, KafkaRecord> toRecord,
            String groupId,
            String clientId,
            String changelogTopic,
            Supplier<Producer<byte[], byte[]>> factory,
            Admin admin) {
        this.options = options;
        this.recordLimit = RecordSizeLimit.of(options);
        this.context = context;
        this.toRecord = toRecord;
        this.pipeline = context.pipeline();
        this.groupId = groupId;
        this.source = new PairedSource(options.name(), groupId);
        this.clientId = clientId;
        this.lastCompleted = new LastCheckpointRead(options.requestTimeout().multipliedBy(2));
        this.producer = new IdempotentProducer(pipeline, clientId, factory);
        this.admin = admin;
        this.recoveryThread = NamedThreads.singleScheduler("onceflow-kafka-recovery-" + clientId);
        this.changelog = new Changelog(
                changelogTopic,
                options.createChangelogTopic(),
                options.changelogReplicationFactor(),
                options.requestTimeout(),
                pipeline);
        this.stateCheckpoints = new StateCheckpoints();
        this.recovery = new ClaimRecovery(
                options,
                context,
                groupId,
                clientId,
                changelog,
                admin,
                stateCheckpoints,
                // writes its state per key (StateLog is for transactions): a transaction's live log records stay,
                // applied before the per-key records written after them, until an exactly-once run folds them
                (partition, liveLogs) -> {},
                recoveryThread);
        this.checkpointRecords = new CheckpointRecords(options, context, changelog, admin, stateCheckpoints);
        this.changelogPartitions =
                new ChangelogWarmUp(changelog, admin, producer::client, stateCheckpoints, options.requestTimeout());
        this.open = newSegment();
    }

    // ---- opening and recovery ----

    @Override
    public void bindSource(KafkaSourceBinding binding) {
        source.bind(binding);
    }

    /**
     * Creates the producer on its thread, and starts reading the last checkpoint id on the recovery thread; completes
     * at once, so that the source opens and its consumer joins the group meanwhile (see {@link LastCheckpointRead}).
     */
    Mono<CommitPointWriter<T>> start() {
        openProducer();
        lastCompleted.start(
                recovery::lastCheckpoint,
                recoveryThread,
                error -> KafkaErrors.translate(
                        error, "pipeline '" + pipeline + "': opening the at-least-once Kafka sink", clientId),
                last -> CHECKPOINT.info(
                        "pipeline={} sink={} clientId={} group={} open, at least once; last completed checkpoint {}",
                        pipeline,
                        options.name(),
                        clientId,
                        groupId,
                        last));
        return Mono.just(this);
    }

    /** Creates the producer, as the first task of the producer thread. */
    void openProducer() {
        producer.open();
    }

    @Override
    public long lastCompletedCheckpoint() {
        return lastCompleted.awaitKnown();
    }

    @Override
    public Mono<Long> lastCompletedCheckpointWhenKnown() {
        return lastCompleted.whenKnown();
    }

    /** No fencing to wait for: the consumer's generation fences the offsets of a member that lost its partitions. */
    @Override
    public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
        List<SourcePartition> claimed = List.copyOf(partitions);
        return recovery.recover(claimed)
                .onErrorMap(error ->
                        KafkaErrors.translate(error, "pipeline '" + pipeline + "': recovering " + claimed, clientId));
    }

    // ---- the data path ----

    @Override
    public void write(Data<T> record) {
        boolean drain = false;
        synchronized (this) {
            open.unsent.add(record);
            open.records++;
            buffered.incrementAndGet();
            if (!drainScheduled && open.unsent.size() >= DRAIN_BATCH) {
                drainScheduled = true;
                drain = true;
            }
        }
        if (drain) {
            execute(null, this::drain);
        }
    }

    @Override
    public boolean acceptsDeadLetters() {
        return options.hasDeadLetterTopic();
    }

    @Override
    public synchronized void deadLetter(DeadLetter<?> deadLetter) {
        if (!options.hasDeadLetterTopic()) {
            throw new UnsupportedOperationException("sink '" + options.name() + "' has no dead-letter topic");
        }
        open.deadLetters.add(deadLetter);
    }

    @Override
    public synchronized void deadLettersOf(long checkpointId, List<DeadLetter<?>> deadLetters) {
        if (!options.hasDeadLetterTopic()) {
            throw new UnsupportedOperationException("sink '" + options.name() + "' has no dead-letter topic");
        }
        for (AtLeastOnceSegment<T> segment : sealed) {
            if (segment.checkpointId == checkpointId) {
                segment.deadLetters.addAll(deadLetters);
                return;
            }
        }
        throw new IllegalStateException("checkpoint " + checkpointId + " is not sealed and uncommitted");
    }

    /** Records written and not yet acknowledged by the brokers. */
    @Override
    public int bufferedRecords() {
        return buffered.get();
    }

    @Override
    public int maxBufferedRecords() {
        return options.maxBufferedRecords();
    }

    /** On the producer thread: sends what every segment has accumulated, oldest first. */
    private void drain() {
        List<AtLeastOnceSegment<T>> segments;
        synchronized (this) {
            drainScheduled = false;
            segments = new ArrayList<>(sealed);
            segments.add(open);
        }
        for (AtLeastOnceSegment<T> segment : segments) {
            sendUnsent(segment);
        }
    }

    /** On the producer thread: encodes and sends the segment's unsent records. */
    private void sendUnsent(AtLeastOnceSegment<T> segment) {
        List<Data<T>> batch;
        synchronized (this) {
            batch = segment.unsent;
            if (batch.isEmpty()) {
                return;
            }
            segment.unsent = new ArrayList<>(Math.max(16, batch.size()));
        }
        if (failed != null || closed) {
            return; // the run is over: a replay writes them
        }
        CheckpointRecords.Sender sender = sender(segment, segment);
        for (Data<T> record : batch) {
            ProducerRecord<byte[], byte[]> encoded;
            try {
                encoded = OutputRecords.encode(options, recordLimit, toRecord, record);
            } catch (RuntimeException e) {
                poison(segment, new DeadLetter<>(record.origin(), "kafka-sink", record.value(), e));
                continue;
            }
            try {
                sender.send(encoded);
            } catch (RuntimeException e) {
                buffered.decrementAndGet(); // the segment has the failure: its checkpoint fails
            }
        }
    }

    private void poison(AtLeastOnceSegment<T> segment, DeadLetter<T> deadLetter) {
        buffered.decrementAndGet();
        synchronized (this) {
            if (options.hasDeadLetterTopic()) {
                segment.deadLetters.add(deadLetter);
            } else if (segment.poison == null) {
                segment.poison = deadLetter;
            }
        }
    }

    /** Sends into the producer with {@code callback}, counting each send in flight in the segment until answered. */
    private CheckpointRecords.Sender sender(AtLeastOnceSegment<T> segment, Callback callback) {
        Producer<byte[], byte[]> client = producer.client();
        return record -> {
            segment.sending();
            try {
                client.send(record, callback);
            } catch (RuntimeException e) {
                segment.notSent(e);
                throw e;
            }
        };
    }

    private AtLeastOnceSegment<T> newSegment() {
        return new AtLeastOnceSegment<>(buffered::decrementAndGet);
    }

    // ---- checkpoints ----

    @Override
    public Mono<Void> checkpoint(Marker<?> marker) {
        AtLeastOnceSegment<T> segment;
        synchronized (this) {
            segment = open;
            segment.checkpointId = marker.checkpointId();
            sealed.addLast(segment);
            open = newSegment();
        }
        return Mono.create(sink -> execute(sink, () -> commit(segment, marker, sink)));
    }

    /**
     * On the producer thread: the checkpoint's remaining writes, every acknowledgement, then the offsets, which the
     * consumer commits on its poll thread while this thread sends on.
     */
    private void commit(AtLeastOnceSegment<T> segment, Marker<?> marker, MonoSink<Void> sink) {
        long id = marker.checkpointId();
        long start = System.nanoTime();
        Map<TopicPartition, Long> ownership;
        try {
            RuntimeException dead = failed;
            if (dead != null) {
                throw dead;
            }
            if (closed) {
                throw new IllegalStateException("the writer is closed");
            }
            ownership = marker.positions().isEmpty() ? Map.of() : source.get().ownership(topicPartitions(marker));
            sendUnsent(segment);
            List<DeadLetter<?>> deadLetters;
            DeadLetter<?> poison;
            synchronized (this) {
                deadLetters = List.copyOf(segment.deadLetters);
                poison = segment.poison;
            }
            if (poison != null) {
                throw new PoisonRecordException(pipeline, poison);
            }
            CheckpointRecords.Sender sender = sender(segment, segment.uncounted());
            checkpointRecords.sendDeadLetters(sender, marker, deadLetters);
            changelogPartitions.warmUp(marker);
            checkpointRecords.sendState(sender, marker);
            if (segment.inFlight() > 0) {
                producer.flushAsync(); // lingering batches go now; the wait below has a bound, flush() has none
            }
            segment.awaitAcknowledged(options.requestTimeout());
            context.protocolListener().reached(ProtocolPoint.BEFORE_TRANSACTION_COMMIT, id);
        } catch (Exception e) {
            failed(segment, id, e, sink);
            return;
        }
        commitOffsets(segment, marker, start, sink, 0, ownership);
    }

    /** The offsets, once every write is acknowledged; a generation race is tried again after a backoff. */
    private void commitOffsets(
            AtLeastOnceSegment<T> segment,
            Marker<?> marker,
            long start,
            MonoSink<Void> sink,
            int attempt,
            Map<TopicPartition, Long> ownership) {
        long id = marker.checkpointId();
        CompletableFuture<Void> committed;
        if (marker.positions().isEmpty()) {
            committed = CompletableFuture.completedFuture(null);
        } else {
            Map<TopicPartition, OffsetAndMetadata> offsets = checkpointRecords.offsets(marker);
            committed = source.get().commitOffsets(offsets, id, ownership, options.requestTimeout());
        }
        committed
                .orTimeout(options.requestTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS)
                .whenComplete((ignored, error) -> {
                    if (error == null) {
                        completed(segment, marker, start, sink);
                    } else if (KafkaErrors.isGenerationRace(error) && attempt < GENERATION_RETRIES && !closed) {
                        COMMIT.info(
                                "pipeline={} checkpoint={} clientId={} offsets tried again (attempt {}) after a"
                                        + " rebalance: {}",
                                pipeline,
                                id,
                                clientId,
                                attempt + 1,
                                error.toString());
                        CompletableFuture.delayedExecutor(50L << attempt, TimeUnit.MILLISECONDS)
                                .execute(() -> commitOffsets(segment, marker, start, sink, attempt + 1, ownership));
                    } else {
                        failed(segment, id, error, sink);
                    }
                });
    }

    private void completed(AtLeastOnceSegment<T> segment, Marker<?> marker, long start, MonoSink<Void> sink) {
        stateCheckpoints.committed(CheckpointRecords.statePartitions(marker), marker.checkpointId());
        synchronized (this) {
            sealed.remove(segment);
        }
        COMMIT.debug(
                "pipeline={} checkpoint={} clientId={} acknowledged and committed records={} stateChanges={}"
                        + " positions={} in {} ms",
                pipeline,
                marker.checkpointId(),
                clientId,
                segment.records,
                marker.stateChanges().size(),
                marker.positions(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        sink.success();
    }

    private void failed(AtLeastOnceSegment<T> segment, long id, Throwable error, MonoSink<Void> sink) {
        RuntimeException translated = KafkaErrors.translate(
                error, "pipeline '" + pipeline + "': checkpoint " + id + " in Kafka (at least once)", clientId);
        failed = translated;
        COMMIT.warn(
                "pipeline={} checkpoint={} clientId={} failed, offsets not committed ({} sends unanswered): {}",
                pipeline,
                id,
                clientId,
                segment.inFlight(),
                translated.toString());
        sink.error(translated);
    }

    private static List<TopicPartition> topicPartitions(Marker<?> marker) {
        List<TopicPartition> partitions = new ArrayList<>();
        marker.positions().partitions().forEach(p -> partitions.add(new TopicPartition(p.source(), p.partition())));
        return partitions;
    }

    // ---- closing ----

    /** Closes the producer on its thread, the changelog reader on the recovery thread, and the admin client. */
    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.empty();
            }
            closed = true;
            Mono<Void> readerClosed = Mono.<Void>fromRunnable(() -> producer.quietly(recovery::close))
                    .subscribeOn(recoveryThread);
            return Mono.when(producer.close(options.closeTimeout()), readerClosed)
                    .then(Mono.<Void>fromRunnable(() -> {
                                producer.quietly(() -> admin.close(Duration.ofSeconds(5)));
                                recoveryThread.dispose();
                            })
                            .subscribeOn(Schedulers.boundedElastic()));
        });
    }

    private void execute(@Nullable MonoSink<?> sink, IdempotentProducer.Task task) {
        producer.execute(sink, this::failedInBackground, task);
    }

    private void failedInBackground(Throwable error) {
        if (failed == null) {
            failed = KafkaErrors.translate(error, "pipeline '" + pipeline + "': the Kafka sink", clientId);
        }
    }
}
