package io.onceflow.kafka.internal;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * One checkpoint's share of a {@link TransactionalWriter}: written, sealed by its marker, committed in one
 * transaction. It is the callback of every record sent into that transaction, so that the first asynchronous send
 * failure stops the commit. Its lists are guarded by the writer's monitor.
 */
final class WriterSegment<T> implements Callback {

    /** Records written but not yet handed to the producer. */
    List<Data<T>> unsent = new ArrayList<>();

    /** Records sent into the open transaction, kept to send again if the checkpoint is retried. */
    final List<ProducerRecord<byte[], byte[]>> sentRecords = new ArrayList<>();

    /** The keys', values' and headers' bytes of {@link #sentRecords}. */
    private long sentBytes;

    /** False once the checkpoint grew too large to keep its sent records: it can no longer be retried. */
    boolean retained = true;

    final List<DeadLetter<?>> deadLetters = new ArrayList<>();
    int records;

    /** True once any record went into the producer's transaction. */
    boolean sent;

    /** Set when the marker seals the segment. */
    long checkpointId = -1;

    /** The source's ownership of the checkpoint's partitions at its first attempt; every attempt checks it. */
    @Nullable
    Map<TopicPartition, Long> ownership;

    /** The first record that could not be encoded, when the sink has no dead-letter topic: it fails the checkpoint. */
    @Nullable
    DeadLetter<?> poison;

    volatile @Nullable Exception sendFailure;

    /**
     * Keeps {@code records}, just sent into the transaction, to send again if the checkpoint is retried in a new one,
     * while everything kept stays within {@code maxRecords} and {@code maxBytes}. Past either bound it lets go of every
     * record it kept, and the checkpoint can no longer be retried: counting records alone, a checkpoint of large
     * records (a megabyte each) could keep gigabytes.
     *
     * @return how many records the caller no longer holds in memory: none when they are kept
     */
    int retain(List<ProducerRecord<byte[], byte[]>> records, int maxRecords, long maxBytes) {
        if (retained) {
            long bytes = 0;
            for (ProducerRecord<byte[], byte[]> record : records) {
                bytes += sizeOf(record);
            }
            if (sentRecords.size() + records.size() <= maxRecords && sentBytes + bytes <= maxBytes) {
                sentRecords.addAll(records);
                sentBytes += bytes;
                return 0;
            }
        }
        retained = false;
        return records.size() + releaseRetained();
    }

    /**
     * Lets go of the records kept for a retry: the checkpoint committed, or can no longer be retried.
     *
     * @return how many records it let go
     */
    int releaseRetained() {
        int released = sentRecords.size();
        sentRecords.clear();
        sentBytes = 0;
        return released;
    }

    private static long sizeOf(ProducerRecord<byte[], byte[]> record) {
        long size =
                (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        for (Header header : record.headers()) {
            size += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception failure) {
        if (failure != null && sendFailure == null) {
            sendFailure = failure;
        }
    }
}
