package io.onceflow.core.internal.state;

/**
 * A stateful operator got a record of a partition the run does not own: a protocol error of the source or the
 * pipeline, never the record's fault. Operators let it fail the run instead of dead-lettering the record, which would
 * commit the record's position with no effect but a dead letter.
 */
public final class UnownedPartitionException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    UnownedPartitionException(String message) {
        super(message);
    }
}
