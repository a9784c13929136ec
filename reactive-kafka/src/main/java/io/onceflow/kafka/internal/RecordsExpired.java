package io.onceflow.kafka.internal;

import io.micrometer.core.instrument.Counter;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.SourceContext;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports records a source's broker deleted before the pipeline read them. Exactly-once cannot hold for them: they
 * were never read, and the consumer goes on from the log's start. It is the consumer group's lag outgrowing the
 * topic's retention, the same loss Kafka Streams and Flink meet; it is made loud here (a WARN naming the offsets, and
 * {@value OnceflowMeters#SOURCE_RECORDS_EXPIRED}) because the pipeline cannot fix it.
 */
final class RecordsExpired {

    private static final Logger LOG = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    private RecordsExpired() {}

    static void report(SourceContext context, String source, TopicPartition partition, long position, long logStart) {
        long lost = logStart - position;
        LOG.warn(
                "pipeline={} source={} partition={}: the committed position {} is before the log's start {}: {} records"
                        + " were deleted by the topic's retention before the pipeline read them, and are lost to it;"
                        + " reading on from {} (keep retention.ms longer than the longest outage)",
                context.pipeline(),
                source,
                partition,
                position,
                logStart,
                lost,
                logStart);
        Counter.builder(OnceflowMeters.SOURCE_RECORDS_EXPIRED)
                .tags(context.tags().and(OnceflowMeters.TAG_PARTITION, partition.toString()))
                .description("records the broker deleted (retention) before the pipeline read them")
                .baseUnit("records")
                .register(context.meterRegistry())
                .increment(lost);
    }
}
