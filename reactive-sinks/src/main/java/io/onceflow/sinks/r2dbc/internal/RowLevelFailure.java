package io.onceflow.sinks.r2dbc.internal;

/**
 * A data statement failed because of some of its rows: the transaction is aborted, and the checkpoint is written
 * again with each chunk under a savepoint, to find those rows. Internal signal, never seen by the pipeline.
 */
final class RowLevelFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RowLevelFailure(Throwable cause) {
        super(cause.getMessage(), cause, false, false);
    }
}
