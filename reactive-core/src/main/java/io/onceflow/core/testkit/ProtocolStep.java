package io.onceflow.core.testkit;

/**
 * The steps of the checkpoint protocol at which the in-memory participants can be told to fail.
 *
 * @since 0.1
 */
public enum ProtocolStep {
    /** Opening the participant at the start of a run. */
    OPEN,
    /** Recovering positions and state when partitions are assigned. */
    RECOVER,
    /** An idempotent participant's flush, before the commit point commits. */
    FLUSH,
    /** The commit point's commit, before anything is applied: nothing of the checkpoint is visible. */
    BEFORE_COMMIT,
    /** The commit point's commit, after it is applied: the checkpoint is durable but its acknowledgement is lost. */
    AFTER_COMMIT
}
