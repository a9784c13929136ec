package io.onceflow.kafka.internal;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StageFailedException;
import io.onceflow.core.StateChange;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
final class TransactionalWriter<T> implements CommitPointWriter<T> {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalWriter.class);
    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    /** Records that accumulate before they are handed to the producer thread; the commit sends any rest. */
    private static final int DRAIN_BATCH = 256;

    /** Attempts at a checkpoint whose offsets met a group generation that had just moved on. */
    private static final int GENERATION_RETRIES = 5;

    /**
     * Sent records a checkpoint keeps, at most, to try again in a new transaction; a larger checkpoint lets them go,
     * and a rebalance that outdates its offsets fails it instead (the pipeline restarts from the checkpoint before).
     */
    private static final int RETAINED_FOR_RETRY = 20_000;

    private final KafkaSinkOptions options;
    private final SinkContext context;
    private final Function<? super T, KafkaRecord> toRecord;
    private final String pipeline;
    private final String transactionalId;
    private final String groupId;
    private final Changelog changelog;
    private final ExecutorService producerThread;
    private final Scheduler recoveryThread;
    private final Admin admin;

    // producer thread only
    private volatile @Nullable KafkaProducer<byte[], byte[]> producer;
    private boolean inTransaction;

    private volatile long lastCompleted;

    /**
     * For each partition this writer has claimed, the last checkpoint whose transaction wrote its state to the
     * changelog: from the committed offsets' metadata at the claim, then from this writer's commits. It goes into the
     * metadata of every offset it commits, for the next owner's restore to check the changelog against.
     */
    private final Map<SourcePartition, Long> stateCheckpoints = new ConcurrentHashMap<>();

    /** Completes when the producer has fenced its predecessors; claiming partitions waits for it. */
    private final CompletableFuture<Void> initialized = new CompletableFuture<>();

    // recovery thread only
    private @Nullable KafkaConsumer<byte[], byte[]> changelogReader;

    // guarded by this
    private Segment open = new Segment();
    private final ArrayDeque<Segment> sealed = new ArrayDeque<>();
    private boolean drainScheduled;

    /** Records this writer holds in memory: not yet sent, or kept to retry their checkpoint. */
    private volatile int buffered;

    private volatile @Nullable RuntimeException failed;
    private volatile boolean closed;

    /** One checkpoint's share of the writer: written, sealed by its marker, committed. */
    private final class Segment implements Callback {
        List<Data<T>> unsent = new ArrayList<>();
        final List<ProducerRecord<byte[], byte[]>> sentRecords = new ArrayList<>();
        boolean retained = true;
        final List<DeadLetter<?>> deadLetters = new ArrayList<>();
        int records;
        boolean sent;

        /** Set when the marker seals the segment. */
        long checkpointId = -1;

        /** The source's ownership of the checkpoint's partitions at its first attempt; every attempt checks it. */
        @Nullable
        Map<TopicPartition, Long> ownership;

        @Nullable
        DeadLetter<?> poison;

        volatile @Nullable Exception sendFailure;

        @Override
        public void onCompletion(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception failure) {
            if (failure != null && sendFailure == null) {
                sendFailure = failure;
            }
        }
    }

    TransactionalWriter(
            KafkaSinkOptions options,
            SinkContext context,
            Function<? super T, KafkaRecord> toRecord,
            String groupId,
            String transactionalId,
            String changelogTopic) {
        this.options = options;
        this.context = context;
        this.toRecord = toRecord;
        this.pipeline = context.pipeline();
        this.groupId = groupId;
        this.transactionalId = transactionalId;
        this.changelog = new Changelog(
                changelogTopic,
                options.createChangelogTopic(),
                options.changelogReplicationFactor(),
                options.requestTimeout(),
                pipeline);
        this.producerThread = NamedThreads.single("onceflow-kafka-tx-" + transactionalId);
        this.recoveryThread = NamedThreads.singleScheduler("onceflow-kafka-recovery-" + transactionalId);
        this.admin = Admin.create(adminProperties());
    }

    // ---- opening ----

    /**
     * Starts creating the producer and fencing any predecessor with the same transactional id, on the producer
     * thread, and completes once the recovery thread has learnt the last checkpoint id. Claiming partitions waits for
     * the fencing ({@link #recover}), so nothing is read before a predecessor can no longer commit; meanwhile the
     * consumer joins its group.
     */
    Mono<CommitPointWriter<T>> start() {
        long begin = System.nanoTime();
        execute(null, () -> {
            try {
                KafkaProducer<byte[], byte[]> created =
                        new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
                producer = created;
                created.initTransactions(); // fences a predecessor with this id and aborts its open transaction
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
        return Mono.fromCallable(this::readLastCheckpoint)
                .subscribeOn(recoveryThread)
                .<CommitPointWriter<T>>map(last -> {
                    lastCompleted = last;
                    CHECKPOINT.info(
                            "pipeline={} sink={} transactionalId={} group={} open; last completed checkpoint {}",
                            pipeline,
                            options.name(),
                            transactionalId,
                            groupId,
                            last);
                    return this;
                })
                .onErrorMap(error -> KafkaErrors.translate(
                        error, "pipeline '" + pipeline + "': opening the Kafka transactional sink", transactionalId))
                .onErrorResume(error -> close().then(Mono.error(error)));
    }

    /** The highest checkpoint id in the group's offset metadata: ids continue across restarts and instances. */
    private long readLastCheckpoint() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata()
                .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        long last = 0;
        for (OffsetAndMetadata offset : offsets.values()) {
            if (offset != null) {
                last = Math.max(last, OffsetMetadata.checkpointId(offset.metadata()));
            }
        }
        return last;
    }

    @Override
    public long lastCompletedCheckpoint() {
        return lastCompleted;
    }

    // ---- recovery ----

    @Override
    public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
        List<SourcePartition> claimed = List.copyOf(partitions);
        return Mono.fromFuture(initialized, true)
                .then(Mono.fromCallable(() -> recoverNow(claimed)).subscribeOn(recoveryThread))
                .onErrorMap(error -> KafkaErrors.translate(
                        error, "pipeline '" + pipeline + "': recovering " + claimed, transactionalId));
    }

    private Recovery recoverNow(List<SourcePartition> partitions) throws Exception {
        KafkaSourceBinding source = source();
        Map<TopicPartition, SourcePartition> byTopicPartition = new HashMap<>();
        partitions.forEach(p -> byTopicPartition.put(new TopicPartition(p.source(), p.partition()), p));
        long start = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> committed = stableOffsets(source.groupId(), byTopicPartition.keySet());
        Map<SourcePartition, Long> positions = new HashMap<>();
        Map<SourcePartition, Long> required = new HashMap<>();
        committed.forEach((partition, offset) -> {
            SourcePartition claimed = byTopicPartition.get(partition);
            if (offset != null && claimed != null) {
                positions.put(claimed, offset.offset());
                required.put(claimed, OffsetMetadata.stateCheckpoint(offset.metadata()));
            }
        });
        if (changelogReader == null) {
            changelogReader =
                    new KafkaConsumer<>(readerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        Duration left = options.claimTimeout().minusNanos(System.nanoTime() - start);
        List<StateChange> state = changelog.restore(
                admin, changelogReader, partitions, required, left.isNegative() ? Duration.ZERO : left);
        partitions.forEach(partition -> stateCheckpoints.put(partition, required.getOrDefault(partition, 0L)));
        return new Recovery(Positions.of(positions), state);
    }

    /**
     * The group's committed offsets of {@code partitions}, read only once no transaction with offsets for them is in
     * flight (the previous owner's, which may still commit). With {@code requireStable}, the broker answers such a
     * partition "unstable", and the admin client leaves it out of the result (it does not retry): an absent partition
     * must never be taken for one without a committed offset (which the result holds as {@code null}), or the new
     * owner would start it over and apply its committed prefix twice. So the read is repeated until every partition
     * is answered, within the request timeout; then the claim fails with a retryable error.
     */
    private Map<TopicPartition, OffsetAndMetadata> stableOffsets(String group, Set<TopicPartition> partitions)
            throws Exception {
        long deadline = System.nanoTime() + options.claimTimeout().toNanos();
        long backoffMillis = 20;
        while (true) {
            long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                            Map.of(group, new ListConsumerGroupOffsetsSpec().topicPartitions(partitions)),
                            new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata(group)
                    .get(remaining, TimeUnit.MILLISECONDS);
            Set<TopicPartition> unanswered = new HashSet<>(partitions);
            unanswered.removeAll(committed.keySet());
            if (unanswered.isEmpty()) {
                return committed;
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) > deadline) {
                throw new OnceflowException(
                        "pipeline '" + pipeline + "': the committed offsets of " + unanswered + " in group '" + group
                                + "' stayed unstable for " + options.claimTimeout() + ": a transaction of their"
                                + " previous owner is still open (it ends when that owner commits or aborts, or at its"
                                + " transaction timeout)",
                        null,
                        true);
            }
            CHECKPOINT.debug(
                    "pipeline={} offsets of {} unstable: a transaction is in flight; asking again in {} ms",
                    pipeline,
                    unanswered,
                    backoffMillis);
            Thread.sleep(backoffMillis); // blocking-ok: Onceflow's own recovery thread, previous owner's transaction
            backoffMillis = Math.min(backoffMillis * 2, 500);
        }
    }

    private KafkaSourceBinding source() {
        KafkaSourceBinding source = context.attributes()
                .get(KafkaRunAttributes.SOURCE)
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

    // ---- the data path ----

    /**
     * Buffers the record in the open checkpoint; the producer thread encodes and sends it, so that the pipeline's
     * thread only appends.
     */
    @Override
    public void write(Data<T> record) {
        boolean drain = false;
        synchronized (this) {
            Segment segment = open;
            segment.unsent.add(record);
            segment.records++;
            buffered++;
            if (!drainScheduled && sealed.isEmpty() && segment.unsent.size() >= DRAIN_BATCH) {
                drainScheduled = true;
                drain = true;
            }
        }
        if (drain) {
            execute(null, this::drain);
        }
    }

    /**
     * On the producer thread: the Kafka records of {@code records}; one that the record function or the formats
     * cannot turn into bytes is a poison record of {@code segment} (a dead letter, or the checkpoint's failure).
     */
    private List<ProducerRecord<byte[], byte[]>> encode(Segment segment, List<Data<T>> records) {
        List<ProducerRecord<byte[], byte[]>> encoded = new ArrayList<>(records.size());
        for (Data<T> record : records) {
            try {
                KafkaRecord target = toRecord.apply(record.value());
                if (target == null) {
                    throw new NullPointerException("the sink's record function returned null");
                }
                Object key = target.key();
                long timestamp = record.origin().timestamp();
                encoded.add(new ProducerRecord<>(
                        target.topic(),
                        null,
                        timestamp >= 0 ? timestamp : null,
                        key == null ? null : options.keyFormat().encode(key),
                        options.valueFormat().encode(target.value())));
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
        for (Segment segment : sealed) {
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
        Segment head;
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

    private void send(Segment segment, List<ProducerRecord<byte[], byte[]>> records) {
        if (records.isEmpty()) {
            return;
        }
        KafkaProducer<byte[], byte[]> client = producer();
        begin(client);
        segment.sent = true;
        for (ProducerRecord<byte[], byte[]> record : records) {
            client.send(record, segment);
        }
        if (records == segment.sentRecords) {
            return; // a retry: they are already counted
        }
        synchronized (this) {
            if (segment.retained && segment.sentRecords.size() + records.size() <= RETAINED_FOR_RETRY) {
                segment.sentRecords.addAll(records); // kept until the commit, to retry it in a new transaction
            } else {
                buffered -= records.size() + segment.sentRecords.size();
                segment.sentRecords.clear();
                segment.retained = false;
            }
        }
    }

    private void begin(KafkaProducer<byte[], byte[]> client) {
        if (!inTransaction) {
            client.beginTransaction();
            inTransaction = true;
        }
    }

    // ---- checkpoints ----

    @Override
    public Mono<Void> checkpoint(Marker<?> marker) {
        Segment segment;
        synchronized (this) {
            segment = open;
            segment.checkpointId = marker.checkpointId();
            sealed.addLast(segment);
            open = new Segment();
        }
        return Mono.create(sink -> execute(sink, () -> commit(segment, marker, sink)));
    }

    /** On the producer thread: the checkpoint's one transaction. */
    private void commit(Segment segment, Marker<?> marker, MonoSink<Void> sink) {
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
                    abortQuietly(id, e);
                    segment.sendFailure = null;
                    COMMIT.info(
                            "pipeline={} checkpoint={} transactionalId={} retried (attempt {}) after a rebalance: {}",
                            pipeline,
                            id,
                            transactionalId,
                            attempt,
                            e.toString());
                    Thread.sleep(50L << attempt); // blocking-ok: Onceflow's own producer thread, a short backoff
                }
            }
            completed(segment);
            COMMIT.debug(
                    "pipeline={} checkpoint={} transactionalId={} committed records={} deadLetters={} stateChanges={}"
                            + " positions={} in {} ms",
                    pipeline,
                    id,
                    transactionalId,
                    segment.records,
                    deadLetters.size(),
                    marker.stateChanges().size(),
                    marker.positions(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            sink.success();
        } catch (Exception e) {
            RuntimeException translated = KafkaErrors.translate(
                    e, "pipeline '" + pipeline + "': checkpoint " + id + " in Kafka", transactionalId);
            failed = translated;
            abortQuietly(id, translated);
            sink.error(translated);
        }
    }

    /** Sends what is left of the checkpoint, its dead letters, state and offsets, and commits. */
    private void transact(
            Segment segment,
            Marker<?> marker,
            List<ProducerRecord<byte[], byte[]>> records,
            List<DeadLetter<?>> deadLetters)
            throws Exception {
        KafkaProducer<byte[], byte[]> client = producer();
        begin(client);
        send(segment, records);
        // the offsets go on the consumer's poll thread, with its current group metadata (KIP-447 fencing), while
        // this thread sends the dead letters and the state
        CompletableFuture<Void> offsetsSent;
        if (marker.positions().isEmpty()) {
            offsetsSent = CompletableFuture.completedFuture(null);
        } else {
            Map<TopicPartition, OffsetAndMetadata> offsets = offsets(marker);
            KafkaSourceBinding source = source();
            if (segment.ownership == null) {
                segment.ownership = source.ownership(offsets.keySet());
            }
            offsetsSent = source.sendOffsets(client, offsets, marker.checkpointId(), segment.ownership);
        }
        try {
            String deadLetterTopic = options.deadLetterTopic();
            for (DeadLetter<?> deadLetter : deadLetters) {
                client.send(
                        DeadLetterRecords.record(
                                requireNonNull(deadLetterTopic), deadLetter, pipeline, marker.checkpointId()),
                        segment);
            }
            if (!marker.stateChanges().isEmpty()) {
                changelog.ensure(admin, partitionsOf(marker));
                String operator = null;
                SourcePartition partition = null;
                byte[] prefix = null;
                for (StateChange change : marker.stateChanges()) {
                    if (prefix == null
                            || !change.operator().equals(operator)
                            || !change.partition().equals(partition)) {
                        operator = change.operator();
                        partition = change.partition();
                        prefix = ChangelogKeys.prefix(operator, partition);
                    }
                    client.send(
                            new ProducerRecord<>(
                                    changelog.topic(),
                                    partition.partition(),
                                    ChangelogKeys.encode(prefix, change.key()),
                                    change.value()),
                            segment);
                }
                // after each partition's state, the checkpoint it is as of: what the next owner's restore checks
                for (SourcePartition changed : statePartitions(marker)) {
                    client.send(changelog.checkpointRecord(changed, marker.checkpointId()), segment);
                }
            }
        } catch (Exception e) {
            try {
                offsetsSent.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception ignored) {
                // the send failed first; the offsets are only waited for so that the abort comes after them
            }
            throw e;
        }
        awaitOffsets(offsetsSent, marker);
        // a send that failed before it reached the producer (a serializer, an interceptor, a closed producer) leaves
        // no error for commitTransaction to find: it must abort here, or the offsets would commit past records never
        // sent. Flushing first surfaces the asynchronous failures of this transaction's sends too.
        client.flush();
        Exception sendFailure = segment.sendFailure;
        if (sendFailure != null) {
            throw sendFailure;
        }
        context.protocolListener().reached(ProtocolPoint.BEFORE_TRANSACTION_COMMIT, marker.checkpointId());
        client.commitTransaction();
        inTransaction = false;
        for (SourcePartition changed : statePartitions(marker)) {
            stateCheckpoints.put(changed, marker.checkpointId());
        }
    }

    /** The source partitions whose state the marker changed. */
    private static Set<SourcePartition> statePartitions(Marker<?> marker) {
        Set<SourcePartition> partitions = new LinkedHashSet<>();
        for (StateChange change : marker.stateChanges()) {
            partitions.add(change.partition());
        }
        return partitions;
    }

    private void awaitOffsets(CompletableFuture<Void> offsetsSent, Marker<?> marker) throws Exception {
        try {
            offsetsSent.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception exception ? exception : e;
        } catch (java.util.concurrent.TimeoutException e) {
            offsetsSent.cancel(false);
            throw new OnceflowException(
                    "sending the offsets " + marker.positions() + " into the transaction took longer than "
                            + options.requestTimeout() + " (a broker that does not answer, or a consumer poll thread"
                            + " that is stuck)",
                    e,
                    true);
        }
    }

    private static List<SourcePartition> partitionsOf(Marker<?> marker) {
        List<SourcePartition> partitions = new ArrayList<>(marker.positions().partitions());
        for (StateChange change : marker.stateChanges()) {
            partitions.add(change.partition());
        }
        return partitions;
    }

    /**
     * The positions as offsets, each with metadata naming the checkpoint and the last checkpoint that wrote the
     * partition's state: this one if it changed the state, the previous such one otherwise.
     */
    private Map<TopicPartition, OffsetAndMetadata> offsets(Marker<?> marker) {
        Set<SourcePartition> changed = statePartitions(marker);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        marker.positions().asMap().forEach((partition, next) -> {
            long stateCheckpoint =
                    changed.contains(partition) ? marker.checkpointId() : stateCheckpoints.getOrDefault(partition, 0L);
            String metadata =
                    OffsetMetadata.encode(pipeline, context.instanceId(), marker.checkpointId(), stateCheckpoint);
            offsets.put(
                    new TopicPartition(partition.source(), partition.partition()),
                    new OffsetAndMetadata(next, metadata));
        });
        return offsets;
    }

    private void completed(Segment segment) {
        boolean drain = false;
        synchronized (this) {
            sealed.removeFirst();
            buffered -= segment.sentRecords.size();
            segment.sentRecords.clear();
            Segment next = sealed.isEmpty() ? open : sealed.peekFirst();
            if (!next.unsent.isEmpty() && !drainScheduled) {
                drainScheduled = true;
                drain = true;
            }
        }
        if (drain) {
            execute(null, this::drain);
        }
    }

    /** Aborts the open transaction; an error from the abort itself never hides {@code cause}. */
    private void abortQuietly(long checkpointId, Throwable cause) {
        KafkaProducer<byte[], byte[]> client = producer;
        if (!inTransaction || client == null) {
            return;
        }
        inTransaction = false;
        try {
            client.abortTransaction();
            if (checkpointId < 0) {
                COMMIT.info(
                        "pipeline={} transactionalId={} open transaction aborted: {}",
                        pipeline,
                        transactionalId,
                        cause.getMessage());
                return;
            }
            COMMIT.warn(
                    "pipeline={} checkpoint={} transactionalId={} aborted: {}",
                    pipeline,
                    checkpointId,
                    transactionalId,
                    cause.toString());
        } catch (RuntimeException abortFailure) {
            COMMIT.warn(
                    "pipeline={} checkpoint={} transactionalId={} failed ({}), and aborting failed too ({}); the"
                            + " transaction coordinator aborts it when the producer is fenced or times out",
                    pipeline,
                    checkpointId,
                    transactionalId,
                    cause.toString(),
                    abortFailure.toString());
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        KafkaProducer<byte[], byte[]> client = producer;
        if (client == null) {
            throw new IllegalStateException("the writer has no producer");
        }
        return client;
    }

    /** Runs {@code task} on the producer thread; a rejected or failing task fails {@code sink}. */
    private void execute(@Nullable MonoSink<?> sink, ThrowingRunnable task) {
        try {
            producerThread.execute(() -> {
                try {
                    task.run();
                } catch (Throwable e) {
                    if (sink != null) {
                        sink.error(e);
                    } else {
                        LOG.warn("pipeline={} transactionalId={} producer task failed", pipeline, transactionalId, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            if (sink != null) {
                sink.error(new IllegalStateException("the Kafka transactional sink's writer is closed", e));
            }
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    // ---- closing ----

    /**
     * Aborts any open transaction and closes the clients, on their own threads (never on the producer's network
     * thread, where {@code close()} would wait for itself). If the producer thread is stuck in a call to a broker
     * that went away, the producer is closed forcibly after {@link KafkaSinkOptions#closeTimeout()}.
     */
    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.empty();
            }
            closed = true;
            Mono<Void> producerClosed = Mono.<Void>create(sink -> {
                        try {
                            producerThread.execute(() -> {
                                KafkaProducer<byte[], byte[]> client = producer;
                                if (client != null) {
                                    abortQuietly(-1, new IllegalStateException("the run ended"));
                                    closeQuietly(() -> client.close(options.closeTimeout()));
                                }
                                sink.success();
                            });
                        } catch (RejectedExecutionException e) {
                            sink.success();
                        }
                        producerThread.shutdown();
                    })
                    .timeout(options.closeTimeout().plusSeconds(2), Mono.fromRunnable(this::forceClose));
            Mono<Void> readerClosed = Mono.<Void>fromRunnable(() -> {
                        KafkaConsumer<byte[], byte[]> reader = changelogReader;
                        if (reader != null) {
                            closeQuietly(() -> reader.close(Duration.ofSeconds(5)));
                        }
                    })
                    .subscribeOn(recoveryThread);
            return Mono.when(producerClosed, readerClosed)
                    .then(Mono.<Void>fromRunnable(() -> {
                                closeQuietly(() -> admin.close(Duration.ofSeconds(5)));
                                recoveryThread.dispose();
                            })
                            .subscribeOn(Schedulers.boundedElastic()));
        });
    }

    private void forceClose() {
        KafkaProducer<byte[], byte[]> client = producer;
        LOG.warn(
                "pipeline={} transactionalId={} the producer did not close within {}: closing it forcibly",
                pipeline,
                transactionalId,
                options.closeTimeout());
        if (client != null) {
            Thread closer = new Thread(() -> closeQuietly(() -> client.close(Duration.ZERO)), "onceflow-kafka-close");
            closer.setDaemon(true);
            closer.start();
        }
    }

    private void closeQuietly(ThrowingRunnable close) {
        try {
            close.run();
        } catch (Exception e) {
            LOG.debug("pipeline={} closing a Kafka client failed: {}", pipeline, e.toString());
        }
    }

    // ---- client settings ----

    private Map<String, Object> common() {
        Map<String, Object> properties = new HashMap<>(options.clientProperties());
        properties.put("bootstrap.servers", options.bootstrapServers());
        return properties;
    }

    private Map<String, Object> producerProperties() {
        Map<String, Object> properties = common();
        // throughput defaults: records stay invisible until the commit, which flushes, so lingering costs nothing
        properties.put("batch.size", "262144");
        properties.put("linger.ms", "50");
        properties.putAll(options.producerProperties());
        properties.put("transactional.id", transactionalId);
        properties.put("enable.idempotence", "true");
        properties.put("acks", "all");
        properties.put(
                "transaction.timeout.ms",
                String.valueOf(options.transactionTimeout().toMillis()));
        properties.putIfAbsent("client.id", "onceflow-" + transactionalId);
        return properties;
    }

    private Map<String, Object> adminProperties() {
        Map<String, Object> properties = common();
        properties.putIfAbsent(
                "default.api.timeout.ms",
                String.valueOf(options.requestTimeout().toMillis()));
        properties.putIfAbsent("client.id", "onceflow-" + transactionalId + "-admin");
        return properties;
    }

    private Map<String, Object> readerProperties() {
        Map<String, Object> properties = common();
        properties.put("isolation.level", "read_committed");
        properties.put("enable.auto.commit", "false");
        properties.putIfAbsent("max.poll.records", "2000");
        properties.putIfAbsent("client.id", "onceflow-" + transactionalId + "-changelog");
        return properties;
    }
}
