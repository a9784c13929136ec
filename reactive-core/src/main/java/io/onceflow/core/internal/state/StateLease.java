package io.onceflow.core.internal.state;

import io.onceflow.core.SourcePartition;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * A run's ownership of one source partition, with the keyed state restored for it.
 *
 * <p>Keyed operators hold on to the lease of each partition whose state they keep; once the lease is released
 * (the partition was revoked, or assigned again with fresh state), they drop that state and look the partition up
 * again. The restored entries are handed to each operator once.
 */
public final class StateLease {

    /** The lease of operators used outside a pipeline: never released, nothing restored. */
    static final StateLease STANDALONE = new StateLease(new SourcePartition("standalone", 0), Map.of());

    private final SourcePartition partition;
    private final Map<String, Map<String, byte[]>> restoredByOperator;
    private volatile boolean released;

    StateLease(SourcePartition partition, Map<String, Map<String, byte[]>> restoredByOperator) {
        this.partition = partition;
        this.restoredByOperator = new HashMap<>(restoredByOperator);
    }

    public SourcePartition partition() {
        return partition;
    }

    public boolean isReleased() {
        return released;
    }

    void release() {
        released = true;
    }

    /** The entries restored for {@code operator}, by encoded key, left in place; read-only. */
    public synchronized Map<String, byte[]> restored(String operator) {
        Map<String, byte[]> entries = restoredByOperator.get(operator);
        return entries != null ? Collections.unmodifiableMap(entries) : Map.of();
    }

    /** The entries restored for {@code operator}, by encoded key; the caller takes ownership of the map. */
    public synchronized Map<String, byte[]> takeRestored(String operator) {
        Map<String, byte[]> entries = restoredByOperator.remove(operator);
        return entries != null ? entries : new HashMap<>();
    }
}
