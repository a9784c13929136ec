package io.onceflow.kafka.internal;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StageFailedException;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One run's writer of the Kafka transactional sink: a transactional producer, confined to a thread of its own, with
 * one transaction per checkpoint.
 *
 * <pre>
 *   write ─▶ encode ─▶ open segment ──(drain)──▶ producer.send   (into the transaction of the oldest segment)
 *   checkpoint(M) seals the open segment;  its commit, on the producer thread:
 *       send the rest, dead letters, M's state changes ─▶ sendOffsetsToTransaction(M's positions) ─▶ commit
 * </pre>
 *
 * <p>Segments are checkpoints in order. Records go into the producer's open transaction only for the oldest segment
 * not yet committed; records of later checkpoints wait in memory until the one before them has committed. Every
 * producer call happens on the producer thread, so the transaction's begin, sends, offsets and commit are ordered
 * without locks; the writer's own state is guarded by its monitor, held briefly.
 */
final class TransactionalWriter<T> implements CommitPointWriter<T>, PairedKafkaWriter {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalWriter.class);
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    /** Records that accumulate before they are handed to the producer thread; the commit sends any rest. */
    private static final int DRAIN_BATCH = 256;

    /** Attempts at a checkpoint whose offsets met a group generation that had just moved on. */
    private static final int GENERATION_RETRIES = 5;

    /**
     * Sent records a checkpoint keeps, at most, to try again in a new transaction, and their bytes at most (keys,
     * values, headers); a larger checkpoint lets them go, and a rebalance that outdates its offsets fails it instead
     * (the pipeline restarts from the checkpoint before).
     */
    private static final int RETAINED_FOR_RETRY = 20_000;

    private static final long RETAINED_BYTES_FOR_RETRY = 16L << 20;

    private final KafkaSinkOptions options;
    /** What the producer sends in one record: a larger output is a poison record, not a failed checkpoint. */
    private final RecordSizeLimit recordLimit;

    private final SinkContext context;
    private final Function<? super T, KafkaRecord> toRecord;
    private final String pipeline;
    private final String transactionalId;
    private final String groupId;
    private final PairedSource source;
    private final ConfinedProducer producer;
    private final Scheduler recoveryThread;
    private final Admin admin;

    private final LastCheckpointRead lastCompleted;

    /** Completes when the producer has fenced its predecessors; claiming partitions waits for it. */
    private final CompletableFuture<Void> initialized = new CompletableFuture<>();

    private final ClaimRecovery recovery; // on the recovery thread only
    private final CheckpointTransaction transaction; // on the producer thread only
    private final StateLog stateLog;

    // guarded by this
    private WriterSegment<T> open = new WriterSegment<>();
    private final ArrayDeque<WriterSegment<T>> sealed = new ArrayDeque<>();
    private boolean drainScheduled;

    /** Records this writer holds in memory: not yet sent, or kept to retry their checkpoint. */
    private volatile int buffered;

    private volatile @Nullable RuntimeException failed;
    private volatile boolean closed;

    TransactionalWriter(
            KafkaSinkOptions options,
            SinkContext context,
            Function<? super T, KafkaRecord> toRecord,
            String groupId,
            String transactionalId,
            String changelogTopic) {
        this.options = options;
        this.recordLimit = RecordSizeLimit.of(options);
        this.context = context;
        this.toRecord = toRecord;
        this.pipeline = context.pipeline();
        this.groupId = groupId;
        this.source = new PairedSource(options.name(), groupId);
        this.transactionalId = transactionalId;
        this.lastCompleted = new LastCheckpointRead(options.requestTimeout().multipliedBy(2));
        Changelog changelog = new Changelog(
                changelogTopic,
                options.createChangelogTopic(),
                options.changelogReplicationFactor(),
                options.requestTimeout(),
                pipeline);
        this.producer = new ConfinedProducer(options, pipeline, transactionalId);
        this.recoveryThread = NamedThreads.singleScheduler("onceflow-kafka-recovery-" + transactionalId);
        this.admin = Admin.create(TransactionalClients.admin(options, transactionalId));
        StateCheckpoints stateCheckpoints = new StateCheckpoints();
        this.stateLog = new StateLog();
        this.recovery = new ClaimRecovery(
                options,
                context,
                groupId,
                transactionalId,
                changelog,
                admin,
                stateCheckpoints,
                this.stateLog::claimed,
                recoveryThread);
        this.transaction =
                new CheckpointTransaction(options, context, source, changelog, admin, stateCheckpoints, this.stateLog);
    }

    // ---- opening ----

    @Override
    public void bindSource(KafkaSourceBinding binding) {
        source.bind(binding);
    }

    /** Forgets what the state log kept of the partitions: up to a mebibyte or so each, until claimed again. */
    @Override
    public void released(List<SourcePartition> partitions) {
        stateLog.released(partitions);
    }

    /**
     * Starts creating the producer and fencing any predecessor with the same transactional id, on the producer
     * thread, and reading the last checkpoint id, on the recovery thread; completes at once, so that the source opens
     * and its consumer joins the group meanwhile. Claiming partitions waits for the fencing ({@link #recover}), so
     * nothing is read before a predecessor can no longer commit, and the pipeline numbers no checkpoint before the
     * id is read ({@link #lastCompletedCheckpointWhenKnown}).
     */
    Mono<CommitPointWriter<T>> start() {
        long begin = System.nanoTime();
        producer.execute(null, () -> {
            try {
                producer.open();
                CHECKPOINT.info(
                        "pipeline={} sink={} transactionalId={} fenced its predecessors in {} ms",
                        pipeline,
                        options.name(),
                        transactionalId,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
                initialized.complete(null);
            } catch (Exception e) {
                RuntimeException translated = KafkaErrors.translate(
                        e, "pipeline '" + pipeline + "': initializing the transactional producer", transactionalId);
                failed = translated;
                initialized.completeExceptionally(translated);
            }
        });
        lastCompleted.start(
                recovery::lastCheckpoint,
                recoveryThread,
                error -> KafkaErrors.translate(
                        error, "pipeline '" + pipeline + "': opening the Kafka transactional sink", transactionalId),
                last -> CHECKPOINT.info(
                        "pipeline={} sink={} transactionalId={} group={} open; last completed checkpoint {}",
                        pipeline,
                        options.name(),
                        transactionalId,
                        groupId,
                        last));
        return Mono.just(this);
    }

    @Override
    public long lastCompletedCheckpoint() {
        return lastCompleted.awaitKnown();
    }

    @Override
    public Mono<Long> lastCompletedCheckpointWhenKnown() {
        return lastCompleted.whenKnown();
    }

    // ---- recovery ----

    @Override
    public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
        List<SourcePartition> claimed = List.copyOf(partitions);
        return Mono.fromFuture(initialized, true)
                .then(recovery.recover(claimed))
                .onErrorMap(error -> KafkaErrors.translate(
                        error, "pipeline '" + pipeline + "': recovering " + claimed, transactionalId));
    }

    // ---- the data path ----

    /**
     * Buffers the record in the open checkpoint; the producer thread encodes and sends it, so that the pipeline's
     * thread only appends.
     */
    @Override
    public void write(Data<T> record) {
        boolean drain = false;
        synchronized (this) {
            WriterSegment<T> segment = open;
            segment.unsent.add(record);
            segment.records++;
            buffered++;
            if (!drainScheduled && sealed.isEmpty() && segment.unsent.size() >= DRAIN_BATCH) {
                drainScheduled = true;
                drain = true;
            }
        }
        if (drain) {
            producer.execute(null, this::drain);
        }
    }

    /**
     * On the producer thread: the Kafka records of {@code records}; one that the record function or the formats
     * cannot turn into bytes is a poison record of {@code segment} (a dead letter, or the checkpoint's failure).
     */
    private List<ProducerRecord<byte[], byte[]>> encode(WriterSegment<T> segment, List<Data<T>> records) {
        List<ProducerRecord<byte[], byte[]>> encoded = new ArrayList<>(records.size());
        for (Data<T> record : records) {
            try {
                encoded.add(OutputRecords.encode(options, recordLimit, toRecord, record));
            } catch (RuntimeException e) {
                DeadLetter<T> deadLetter = new DeadLetter<>(record.origin(), "kafka-sink", record.value(), e);
                synchronized (this) {
                    buffered--;
                    if (options.hasDeadLetterTopic()) {
                        segment.deadLetters.add(deadLetter);
                    } else if (segment.poison == null) {
                        segment.poison = deadLetter;
                    }
                }
            }
        }
        return encoded;
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
        for (WriterSegment<T> segment : sealed) {
            if (segment.checkpointId == checkpointId) {
                segment.deadLetters.addAll(deadLetters);
                return;
            }
        }
        throw new IllegalStateException("checkpoint " + checkpointId + " is not sealed and uncommitted");
    }

    @Override
    public int bufferedRecords() {
        return buffered;
    }

    @Override
    public int maxBufferedRecords() {
        return options.maxBufferedRecords();
    }

    /** On the producer thread: encodes and sends what the oldest uncommitted segment has accumulated. */
    private void drain() {
        WriterSegment<T> head;
        List<Data<T>> batch;
        synchronized (this) {
            drainScheduled = false;
            head = sealed.isEmpty() ? open : sealed.peekFirst();
            batch = head.unsent;
            if (batch.isEmpty()) {
                return;
            }
            head.unsent = new ArrayList<>(Math.max(16, batch.size()));
        }
        if (failed != null || closed) {
            return;
        }
        try {
            send(head, encode(head, batch));
        } catch (Throwable e) {
            // an Error too (out of memory while encoding): the checkpoint must not commit without these records
            if (head.sendFailure == null) {
                head.sendFailure =
                        e instanceof Exception exception ? exception : new StageFailedException("kafka-sink", null, e);
            }
        }
    }

    private void send(WriterSegment<T> segment, List<ProducerRecord<byte[], byte[]>> records) {
        if (records.isEmpty()) {
            return;
        }
        Producer<byte[], byte[]> client = producer.inTransaction();
        segment.sent = true;
        for (ProducerRecord<byte[], byte[]> record : records) {
            client.send(record, segment);
        }
        if (records == segment.sentRecords) {
            return; // a retry: they are already counted
        }
        synchronized (this) {
            // kept until the commit, to retry it in a new transaction, unless the checkpoint is too large for that
            buffered -= segment.retain(records, RETAINED_FOR_RETRY, RETAINED_BYTES_FOR_RETRY);
        }
    }

    // ---- checkpoints ----

    @Override
    public Mono<Void> checkpoint(Marker<?> marker) {
        WriterSegment<T> segment;
        synchronized (this) {
            segment = open;
            segment.checkpointId = marker.checkpointId();
            sealed.addLast(segment);
            open = new WriterSegment<>();
        }
        long sealedAt = System.nanoTime();
        return Mono.create(sink -> producer.execute(sink, () -> commit(segment, marker, sink, sealedAt)));
    }

    /** On the producer thread: the checkpoint's one transaction. */
    private void commit(WriterSegment<T> segment, Marker<?> marker, MonoSink<Void> sink, long sealedAt) {
        long id = marker.checkpointId();
        long start = System.nanoTime();
        try {
            RuntimeException dead = failed;
            if (dead != null) {
                throw dead;
            }
            if (closed) {
                throw new IllegalStateException("the writer is closed");
            }
            List<Data<T>> unsent;
            synchronized (this) {
                if (sealed.peekFirst() != segment) {
                    throw new IllegalStateException("checkpoint " + id + " committed out of order");
                }
                unsent = segment.unsent;
                segment.unsent = new ArrayList<>();
            }
            List<ProducerRecord<byte[], byte[]>> rest = encode(segment, unsent);
            long encoded = System.nanoTime();
            List<DeadLetter<?>> deadLetters;
            DeadLetter<?> poison;
            synchronized (this) {
                deadLetters = List.copyOf(segment.deadLetters);
                poison = segment.poison;
            }
            if (poison != null) {
                throw new PoisonRecordException(pipeline, poison);
            }
            boolean anything = segment.sent
                    || !rest.isEmpty()
                    || !deadLetters.isEmpty()
                    || !marker.stateChanges().isEmpty()
                    || !marker.positions().isEmpty();
            int attempt = 0;
            while (anything) {
                try {
                    transact(segment, marker, attempt == 0 ? rest : segment.sentRecords, deadLetters);
                    break;
                } catch (Exception e) {
                    if (!KafkaErrors.isGenerationRace(e)
                            || !segment.retained
                            || ++attempt > GENERATION_RETRIES
                            || closed) {
                        throw e;
                    }
                    // the group's generation moved while the offsets were on their way: the consumer is still a
                    // member with these partitions (sendOffsets checks), so the same checkpoint is tried again
                    producer.abortQuietly(id, e);
                    segment.sendFailure = null;
                    CommitLines.retried(pipeline, id, transactionalId, attempt, e);
                    Thread.sleep(50L << attempt); // blocking-ok: Onceflow's own producer thread, a short backoff
                }
            }
            completed(segment);
            CommitLines.committed(
                    pipeline,
                    transactionalId,
                    marker,
                    segment.records,
                    deadLetters.size(),
                    unsent.size(),
                    sealedAt,
                    start,
                    encoded);
            sink.success();
        } catch (Exception e) {
            RuntimeException translated = KafkaErrors.translateCommit(
                    e,
                    "pipeline '" + pipeline + "': checkpoint " + id + " in Kafka",
                    transactionalId,
                    producer.transactionAge(),
                    options.transactionTimeout());
            failed = translated;
            producer.abortQuietly(id, translated);
            sink.error(translated);
        }
    }

    /** Sends what is left of the checkpoint, its dead letters, state and offsets, and commits. */
    private void transact(
            WriterSegment<T> segment,
            Marker<?> marker,
            List<ProducerRecord<byte[], byte[]>> records,
            List<DeadLetter<?>> deadLetters)
            throws Exception {
        Producer<byte[], byte[]> client = producer.inTransaction();
        send(segment, records);
        transaction.commit(client, segment, marker, deadLetters);
        producer.committed();
    }

    private void completed(WriterSegment<T> segment) {
        boolean drain = false;
        synchronized (this) {
            sealed.removeFirst();
            buffered -= segment.releaseRetained();
            WriterSegment<T> next = sealed.isEmpty() ? open : sealed.peekFirst();
            if (!next.unsent.isEmpty() && !drainScheduled) {
                drainScheduled = true;
                drain = true;
            }
        }
        if (drain) {
            producer.execute(null, this::drain);
        }
    }

    // ---- closing ----

    /**
     * Aborts any open transaction and closes the clients, each on its own thread (see {@link ConfinedProducer#close}).
     */
    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.empty();
            }
            closed = true;
            Mono<Void> readerClosed = Mono.<Void>fromRunnable(() -> producer.closeQuietly(recovery::close))
                    .subscribeOn(recoveryThread);
            return Mono.when(producer.close(), readerClosed)
                    .then(Mono.<Void>fromRunnable(() -> {
                                producer.closeQuietly(() -> admin.close(Duration.ofSeconds(5)));
                                recoveryThread.dispose();
                            })
                            .subscribeOn(Schedulers.boundedElastic()));
        });
    }
}
