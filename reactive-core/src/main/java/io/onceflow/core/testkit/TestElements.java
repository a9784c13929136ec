package io.onceflow.core.testkit;

import io.onceflow.core.Data;
import io.onceflow.core.Marker;
import io.onceflow.core.Origin;
import io.onceflow.core.Positions;
import io.onceflow.core.SourcePartition;
import java.util.Map;

/**
 * Builders of stream elements for tests: records with an origin, and markers with positions.
 *
 * <pre>{@code
 * Flux.just(data("a", 0), data("b", 1), marker(1, 2))
 * }</pre>
 *
 * @since 0.1
 */
public final class TestElements {

    /** The source name of elements built without one. */
    public static final String SOURCE = "test";

    private TestElements() {}

    /** A record of partition {@code test-0} at {@code offset}, with the offset as its timestamp. */
    public static <T> Data<T> data(T value, long offset) {
        return new Data<>(value, new Origin(SOURCE, 0, offset, offset));
    }

    /** A record of partition {@code test-<partition>} at {@code offset}, with a timestamp. */
    public static <T> Data<T> data(T value, int partition, long offset, long timestamp) {
        return new Data<>(value, new Origin(SOURCE, partition, offset, timestamp));
    }

    /** A marker with partition {@code test-0} at {@code nextOffset}. */
    public static <T> Marker<T> marker(long checkpointId, long nextOffset) {
        return Marker.of(checkpointId, Positions.of(Map.of(new SourcePartition(SOURCE, 0), nextOffset)));
    }

    /** A marker with no positions. */
    public static <T> Marker<T> marker(long checkpointId) {
        return Marker.of(checkpointId, Positions.empty());
    }
}
