package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The streamed transactions of a commit point until the writer closes: the one of the checkpoint being written, and
 * those of checkpoints sealed at their markers whose commit has not begun.
 *
 * <p>Why the sealed ones too: a checkpoint's commit begins only once every idempotent sink has flushed it, and when a
 * flush fails the commit never begins and the run ends. Its transaction, taken at the marker, would then stay open
 * with its rows locked until the server's idle timeout ended it, and the next owner of those rows (this process's
 * restarted run, most often) would wait that long for its first commit. Closing the writer rolls it back instead.
 *
 * <p>Thread-safe: a run's teardown closes the writer while its last records may still arrive on another thread, and a
 * transaction opened after that would keep its rows locked until the server's idle timeout ended it (a CI run's
 * restarted pipeline waited 30 s on one for its next commit). Once closed, no transaction is opened any more. A
 * commit under way when the writer closes is not interrupted: it ends its transaction itself.
 */
final class OpenTransactionSlot {
    /** How long closing waits for the rollbacks of the transactions left. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private @Nullable StreamedTransaction open;
    private final Set<StreamedTransaction> sealed = new HashSet<>();
    private boolean closed;

    /** Whether a transaction is open. */
    synchronized boolean isOpen() {
        return open != null;
    }

    /** The open transaction, begun by {@code begin} when there is none; {@code null} once closed. */
    synchronized @Nullable StreamedTransaction openOrBegin(Supplier<StreamedTransaction> begin) {
        if (closed) {
            return null;
        }
        if (open == null) {
            open = begin.get();
        }
        return open;
    }

    /**
     * Takes the open transaction, if any, for its checkpoint's marker (the next checkpoint begins its own), and keeps it
     * as sealed until {@link #beginCommit}.
     */
    synchronized @Nullable StreamedTransaction seal() {
        StreamedTransaction taken = open;
        open = null;
        if (taken != null) {
            sealed.add(taken);
        }
        return taken;
    }

    /**
     * Hands a sealed transaction to its checkpoint's commit, which ends it from here on.
     *
     * @throws TransientFailureException when the writer was closed first: the transaction was rolled back, and the
     *     checkpoint cannot commit
     */
    synchronized void beginCommit(StreamedTransaction transaction, String writer, long checkpointId) {
        if (!sealed.remove(transaction) || closed) {
            throw new TransientFailureException(
                    "'" + writer + "' was closed before checkpoint " + checkpointId
                            + " began to commit: its open transaction was rolled back",
                    null);
        }
    }

    /**
     * Closes the slot and rolls back the transactions left: the open one and the sealed ones whose commit never began
     * (their rows are written again on replay). Never fails. Waits for the rollbacks at most {@link #CLOSE_WAIT}, and
     * they go on after that: a transaction still waiting for a pool without a free connection (a pool without an
     * acquire timeout waits forever) must not hold the run's end, and its restart, with it.
     */
    Mono<Void> close() {
        List<StreamedTransaction> left = new ArrayList<>();
        synchronized (this) {
            closed = true;
            if (open != null) {
                left.add(open);
                open = null;
            }
            left.addAll(sealed);
            sealed.clear();
        }
        if (left.isEmpty()) {
            return Mono.empty();
        }
        Mono<Void> rollbacks = Flux.fromIterable(left)
                .concatMap(StreamedTransaction::abort)
                .then()
                .cache();
        rollbacks.subscribe(); // to their end, whoever waits for them
        return rollbacks.timeout(CLOSE_WAIT, Mono.empty());
    }
}
