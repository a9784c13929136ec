package io.onceflow.kafka.internal;

import io.onceflow.core.Origin;
import io.onceflow.core.StageFailedException;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.RecordBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.SynchronousSink;

/**
 * The last step of a {@link KafkaSourceRun}'s records: decodes them and emits those their partition's gate admits, as
 * they leave the last queue of the source (see {@link PartitionGate}), as a batch per partition and poll (what a
 * pipeline reads) or one element per record.
 *
 * <p>Runs on the run's merge drain, which is serial: the emitting thread, or a thread whose request drains what the
 * merge holds. The gates and their lock are the run's: the poll thread changes them at assignments and revocations.
 *
 * @param <T> the type of the record values
 */
final class GatedEmission<T> {

    private final String sourceName;
    private final RecordDecoder<T> decoder;
    private final Map<TopicPartition, PartitionGate> gates;
    private final Object gateLock;
    private final LongConsumer recordBytes;
    private @Nullable PartitionGate lastGate; // the merge's drain only (serial)

    GatedEmission(
            String sourceName,
            RecordDecoder<T> decoder,
            Map<TopicPartition, PartitionGate> gates,
            Object gateLock,
            LongConsumer recordBytes) {
        this.sourceName = sourceName;
        this.decoder = decoder;
        this.gates = gates;
        this.gateLock = gateLock;
        this.recordBytes = recordBytes;
    }

    /** A poll's records, one list per partition, each in offset order: what becomes one batch. */
    static List<List<ConsumerRecord<byte[], byte[]>>> byPartition(ConsumerRecords<byte[], byte[]> polled) {
        List<List<ConsumerRecord<byte[], byte[]>>> lists =
                new ArrayList<>(polled.partitions().size());
        for (TopicPartition partition : polled.partitions()) {
            lists.add(polled.records(partition));
        }
        return lists;
    }

    /** The gate of a record's partition; null is impossible (the poll thread makes it before it hands records on). */
    private @Nullable PartitionGate gateOf(ConsumerRecord<byte[], byte[]> record) {
        PartitionGate gate = lastGate;
        if (gate == null
                || gate.partition.partition() != record.partition()
                || !gate.partition.topic().equals(record.topic())) {
            gate = gates.get(new TopicPartition(record.topic(), record.partition()));
            lastGate = gate;
        }
        return gate;
    }

    /** Emits a record, if its partition's gate admits it. */
    void record(ConsumerRecord<byte[], byte[]> record, SynchronousSink<StreamElement<T>> sink) {
        PartitionGate gate = gateOf(record);
        if (gate == null) {
            return;
        }
        long index = gate.seen++;
        StreamElement<T> element;
        try {
            element = decoder.decode(record);
        } catch (Throwable failure) {
            sink.error(fatalDecoding(record, failure));
            return;
        }
        synchronized (gateLock) {
            if (!gate.admits(index)) {
                return; // fetched under an assignment that has ended: the new owner (maybe this run) re-reads it
            }
            sink.next(element);
        }
        recordBytes.accept(Math.max(0, record.serializedValueSize()) + Math.max(0, record.serializedKeySize()));
    }

    /**
     * What the decoder let escape: it dead-letters what a record's bytes cause, so this is out of memory on a huge
     * record, or worse. It fails the run with a signal, where Reactor would rethrow a JVM-fatal error and end this
     * thread's task.
     */
    private Throwable fatalDecoding(ConsumerRecord<byte[], byte[]> record, Throwable failure) {
        return failure instanceof Error error
                ? new StageFailedException(
                        "source:" + sourceName,
                        new Origin(record.topic(), record.partition(), record.offset(), record.timestamp()),
                        error)
                : failure;
    }

    /** Emits one partition's records of one poll as a batch, those of them the partition's gate admits. */
    void batch(List<ConsumerRecord<byte[], byte[]>> records, SynchronousSink<Object> sink) {
        ConsumerRecord<byte[], byte[]> first = records.get(0);
        PartitionGate gate = gateOf(first);
        if (gate == null) {
            return;
        }
        long firstIndex = gate.seen;
        gate.seen += records.size();
        RecordBatch<T> batch = new RecordBatch<>(first.topic(), first.partition(), records.size());
        long bytes = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                decoder.decodeInto(record, batch);
            } catch (Throwable failure) {
                sink.error(fatalDecoding(record, failure));
                return;
            }
            bytes += Math.max(0, record.serializedValueSize()) + Math.max(0, record.serializedKeySize());
        }
        synchronized (gateLock) {
            // an assignment sets staleBefore between two polls, so a poll's records of a partition are all stale or
            // none are; the prefix is dropped all the same, should a poll's records ever straddle it
            long staleBefore = gate.staleBefore;
            if (!gate.owned || firstIndex + records.size() <= staleBefore) {
                return; // fetched under an assignment that has ended: the new owner (maybe this run) re-reads them
            }
            batch.dropFirst((int) Math.max(0, staleBefore - firstIndex));
            sink.next(batch);
        }
        recordBytes.accept(bytes);
    }
}
