package io.onceflow.core;

/**
 * A record whose key belongs to another source partition than the one it was read from: it is dead-lettered, with
 * this as its error, rather than folded into a second copy of its key's state. See {@link KeyPartitioner}.
 *
 * @since 0.2
 */
public final class KeyPartitionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public KeyPartitionException(String operator, Object key, Origin origin, int expected, int partitions) {
        super("keyed operator '" + operator + "': the key " + DuplicateRecordException.shown(String.valueOf(key))
                + " belongs to partition " + expected + " of "
                + origin.source() + " (" + partitions + " partitions), but this record was read from partition "
                + origin.partition() + ": keyed state lives with its key's partition, and this record would start a"
                + " second copy of that key's state there. Produce it with its key (or to its key's partition), or"
                + " repartition the input by this key through a topic");
    }
}
