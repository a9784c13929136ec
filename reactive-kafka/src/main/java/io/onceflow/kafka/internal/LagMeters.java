package io.onceflow.kafka.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.onceflow.core.OnceflowMeters;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The source's lag per partition ({@value OnceflowMeters#SOURCE_LAG}): the partition's end (its last stable offset
 * under {@code read_committed}, as the consumer last saw it) minus the position of the last completed checkpoint.
 *
 * <p>One gauge per partition for the life of the source, registered the first time a run is assigned the partition;
 * runs update the values. A partition this instance does not own reports {@code NaN}.
 */
final class LagMeters {

    private final ConcurrentMap<TopicPartition, Lag> lags = new ConcurrentHashMap<>();

    /** One partition's figures. */
    static final class Lag {
        volatile long end = -1;
        volatile long committed = -1;
        volatile boolean owned;

        double value() {
            long e = end;
            long c = committed;
            return owned && e >= 0 && c >= 0 ? Math.max(0, e - c) : Double.NaN;
        }
    }

    Lag lag(TopicPartition partition, MeterRegistry registry, Tags tags) {
        return lags.computeIfAbsent(partition, tp -> {
            Lag lag = new Lag();
            Gauge.builder(OnceflowMeters.SOURCE_LAG, lag, Lag::value)
                    .tags(tags.and(OnceflowMeters.TAG_PARTITION, tp.toString()))
                    .description("records between the partition's end and the last completed checkpoint's position")
                    .baseUnit("records")
                    .register(registry);
            return lag;
        });
    }

    /** The figures of a partition some run was assigned, or {@code null}. */
    Lag existing(TopicPartition partition) {
        return lags.get(partition);
    }
}
