package io.onceflow.kafka.internal;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.SinkContext;
import io.onceflow.core.TransientFailureException;
import io.onceflow.kafka.KafkaSinkOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a checkpoint's one Kafka transaction, once its records are in it: the source's offsets (sent by the
 * consumer, with its group metadata), the dead letters, the state changes with a checkpoint record per partition,
 * then the commit, after every send has been checked. On the writer's producer thread.
 */
final class CheckpointTransaction {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");

    private final KafkaSinkOptions options;
    private final SinkContext context;
    private final String pipeline;
    private final PairedSource source;
    private final Changelog changelog;
    private final Admin admin;
    private final StateCheckpoints stateCheckpoints;
    private final CheckpointRecords records;
    private final StateLog stateLog;

    CheckpointTransaction(
            KafkaSinkOptions options,
            SinkContext context,
            PairedSource source,
            Changelog changelog,
            Admin admin,
            StateCheckpoints stateCheckpoints,
            StateLog stateLog) {
        this.options = options;
        this.context = context;
        this.pipeline = context.pipeline();
        this.source = source;
        this.changelog = changelog;
        this.admin = admin;
        this.stateCheckpoints = stateCheckpoints;
        this.records = new CheckpointRecords(options, context, changelog, admin, stateCheckpoints);
        this.stateLog = stateLog;
    }

    /**
     * Completes and commits the open transaction of {@code segment} with the checkpoint's dead letters; any failure
     * leaves the transaction open for the caller to abort.
     */
    void commit(
            Producer<byte[], byte[]> client,
            WriterSegment<?> segment,
            Marker<?> marker,
            List<DeadLetter<?>> deadLetters)
            throws Exception {
        long start = System.nanoTime();
        // the offsets go on the consumer's poll thread, with its current group metadata (KIP-447 fencing), while
        // this thread sends the dead letters and the state
        CompletableFuture<Void> offsetsSent;
        if (marker.positions().isEmpty()) {
            offsetsSent = CompletableFuture.completedFuture(null);
        } else {
            Map<TopicPartition, OffsetAndMetadata> offsets = records.offsets(marker);
            KafkaSourceBinding bound = source.get();
            if (segment.ownership == null) {
                segment.ownership = bound.ownership(offsets.keySet());
            }
            offsetsSent = bound.sendOffsets(client, offsets, marker.checkpointId(), segment.ownership);
        }
        StateLog.Written stateWritten;
        try {
            CheckpointRecords.Sender sender = CheckpointRecords.Sender.of(client, segment);
            records.sendDeadLetters(sender, marker, deadLetters);
            stateWritten = records.sendStateLog(sender, marker, stateLog);
        } catch (Exception e) {
            try {
                offsetsSent.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception ignored) {
                // the send failed first; the offsets are only waited for so that the abort comes after them
            }
            throw e;
        }
        long stateSent = System.nanoTime();
        awaitOffsets(offsetsSent, marker);
        long offsetsAdded = System.nanoTime();
        // a send that failed before it reached the producer (a serializer, an interceptor, a closed producer) leaves
        // no error for commitTransaction to find: it must abort here, or the offsets would commit past records never
        // sent. Flushing first surfaces the asynchronous failures of this transaction's sends too.
        client.flush();
        long flushed = System.nanoTime();
        Exception sendFailure = segment.sendFailure;
        if (sendFailure != null) {
            throw sendFailure;
        }
        context.protocolListener().reached(ProtocolPoint.BEFORE_TRANSACTION_COMMIT, marker.checkpointId());
        client.commitTransaction();
        long committed = System.nanoTime();
        stateCheckpoints.committed(CheckpointRecords.statePartitions(marker), marker.checkpointId());
        stateLog.committed(stateWritten);
        if (COMMIT.isDebugEnabled()) {
            // where a slow commit spends its time: the state is sent while the offsets go on the poll thread
            long remembered = System.nanoTime();
            COMMIT.debug(
                    "pipeline={} checkpoint={} transaction phases: state and dead letters sent {} µs, offsets added {}"
                            + " µs later, flush {} µs, commit {} µs, state log kept {} µs; state: {} changes in {} log"
                            + " records, folded {} ({} entries)",
                    pipeline,
                    marker.checkpointId(),
                    (stateSent - start) / 1_000,
                    (offsetsAdded - stateSent) / 1_000,
                    (flushed - offsetsAdded) / 1_000,
                    (committed - flushed) / 1_000,
                    (remembered - committed) / 1_000,
                    stateWritten.changes.size(),
                    stateWritten.logRecords(),
                    stateWritten.folded.isEmpty() ? "none" : stateWritten.folded,
                    stateWritten.foldedEntries);
        }
    }

    private void awaitOffsets(CompletableFuture<Void> offsetsSent, Marker<?> marker) throws Exception {
        try {
            offsetsSent.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception exception ? exception : e;
        } catch (TimeoutException e) {
            offsetsSent.cancel(false);
            throw new TransientFailureException(
                    "sending the offsets " + marker.positions() + " into the transaction took longer than "
                            + options.requestTimeout() + " (a broker that does not answer, or a consumer poll thread"
                            + " that is stuck)",
                    e);
        }
    }
}
