package io.onceflow.kafka.internal;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.NonTransientFailureException;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.internal.state.DeferredStateChanges;
import io.onceflow.kafka.KafkaSinkOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a Kafka sink writes for a checkpoint besides its records, whatever its guarantee: the dead letters, the state
 * changes followed by a checkpoint record per changed partition (to the changelog), and the offsets with their
 * metadata. Each send reports to the checkpoint's callback.
 */
final class CheckpointRecords {

    private final KafkaSinkOptions options;
    private final SinkContext context;
    private final String pipeline;
    private final Changelog changelog;
    private final Admin admin;
    private final StateCheckpoints stateCheckpoints;
    private final RecordSizeLimit limit;

    CheckpointRecords(
            KafkaSinkOptions options,
            SinkContext context,
            Changelog changelog,
            Admin admin,
            StateCheckpoints stateCheckpoints) {
        this.options = options;
        this.context = context;
        this.pipeline = context.pipeline();
        this.changelog = changelog;
        this.admin = admin;
        this.stateCheckpoints = stateCheckpoints;
        this.limit = RecordSizeLimit.of(options);
    }

    /** How a checkpoint's records are handed to the producer: with its callback, and whatever it counts. */
    @FunctionalInterface
    interface Sender {
        void send(ProducerRecord<byte[], byte[]> record);

        /** Sends into {@code client} with {@code callback}. */
        static Sender of(Producer<byte[], byte[]> client, Callback callback) {
            return record -> client.send(record, callback);
        }
    }

    void sendDeadLetters(Sender client, Marker<?> marker, List<DeadLetter<?>> deadLetters) {
        if (deadLetters.isEmpty()) {
            return;
        }
        String topic = requireNonNull(options.deadLetterTopic());
        for (DeadLetter<?> deadLetter : deadLetters) {
            client.send(DeadLetterRecords.record(topic, deadLetter, pipeline, marker.checkpointId()));
        }
    }

    /**
     * The marker's state changes as records of their state log (the folds that are due first, {@link StateLog#send}),
     * then per partition the checkpoint its state is as of, for the next restore: the transactional sink's way.
     *
     * @return what to tell {@code stateLog} once the transaction committed
     */
    StateLog.Written sendStateLog(Sender client, Marker<?> marker, StateLog stateLog) throws Exception {
        if (marker.stateChanges().isEmpty()) {
            return StateLog.Written.nothing();
        }
        changelog.ensure(admin, partitionsOf(marker));
        StateLog.Written written = stateLog.send(withinLimit(client), marker, changelog.topic());
        sendCheckpointRecords(client, marker);
        return written;
    }

    /**
     * The marker's state changes, one record per key, then per partition the checkpoint its state is as of, for the
     * next restore: the at-least-once sink's way, whose sends may fail one by one (a fold's tombstones could land
     * without the entries they stand for).
     */
    void sendState(Sender client, Marker<?> marker) throws Exception {
        if (marker.stateChanges().isEmpty()) {
            return;
        }
        changelog.ensure(admin, partitionsOf(marker));
        Sender state = withinLimit(client);
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
            state.send(new ProducerRecord<>(
                    changelog.topic(),
                    partition.partition(),
                    ChangelogKeys.encode(prefix, change.key()),
                    change.value()));
        }
        sendCheckpointRecords(client, marker);
    }

    /**
     * {@code client}, refusing a changelog record the producer would refuse: in a transaction, the producer's refusal
     * fails it, and every restart would meet the same state again. The pipeline stops instead, with what the record
     * holds: a key's state cannot be dead-lettered, since the state after it would be wrong.
     */
    private Sender withinLimit(Sender client) {
        return record -> {
            if (!limit.fits(record)) {
                throw new NonTransientFailureException(StateTooLarge.describe(pipeline, record, limit), null);
            }
            client.send(record);
        };
    }

    private void sendCheckpointRecords(Sender client, Marker<?> marker) {
        for (SourcePartition changed : statePartitions(marker)) {
            client.send(changelog.checkpointRecord(changed, marker.checkpointId()));
        }
    }

    /**
     * The positions as offsets, each with metadata naming the checkpoint and the last checkpoint that wrote the
     * partition's state: this one if it changed the state, the previous such one otherwise.
     */
    Map<TopicPartition, OffsetAndMetadata> offsets(Marker<?> marker) {
        Set<SourcePartition> changed = statePartitions(marker);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        marker.positions().asMap().forEach((partition, next) -> {
            long stateCheckpoint = changed.contains(partition) ? marker.checkpointId() : stateCheckpoints.of(partition);
            String metadata =
                    OffsetMetadata.encode(pipeline, context.instanceId(), marker.checkpointId(), stateCheckpoint);
            offsets.put(
                    new TopicPartition(partition.source(), partition.partition()),
                    new OffsetAndMetadata(next, metadata));
        });
        return offsets;
    }

    /** The source partitions whose state the marker changed, found without encoding a change. */
    static Set<SourcePartition> statePartitions(Marker<?> marker) {
        return DeferredStateChanges.partitions(marker.stateChanges());
    }

    private static List<SourcePartition> partitionsOf(Marker<?> marker) {
        List<SourcePartition> partitions = new ArrayList<>(marker.positions().partitions());
        partitions.addAll(statePartitions(marker));
        return partitions;
    }
}
