package io.onceflow.chaos.shapes;

/**
 * A number that remembers the source partition it descends from. Onceflow keeps keyed state per source partition, so
 * every output of a shape belongs to one input partition; carrying it lets the oracle compare outputs partition by
 * partition, in order, and lets a sink key its rows so that no two partitions write one row.
 *
 * @param partition the input partition: its lane ({@link Shape#lanes()}), where a shape reads several topics
 * @param value the number
 */
public record Tagged(int partition, long value) {

    /** The same partition, another value. */
    public Tagged with(long next) {
        return new Tagged(partition, next);
    }
}
