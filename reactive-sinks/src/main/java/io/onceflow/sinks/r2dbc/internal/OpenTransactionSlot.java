package io.onceflow.sinks.r2dbc.internal;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The streamed transaction of the checkpoint a commit point is writing, if it has one, until the writer closes.
 *
 * <p>Thread-safe: a run's teardown closes the writer while its last records may still arrive on another thread, and a
 * transaction opened after that would keep its rows locked until the server's idle timeout ended it (a CI run's
 * restarted pipeline waited 30 s on one for its next commit). Once closed, no transaction is opened any more.
 */
final class OpenTransactionSlot {
    private @Nullable StreamedTransaction open;
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

    /** Takes the open transaction, if any, for its checkpoint's marker: the next checkpoint begins its own. */
    synchronized @Nullable StreamedTransaction take() {
        StreamedTransaction taken = open;
        open = null;
        return taken;
    }

    /** Closes the slot and rolls back the transaction left open, if any (its rows are written again on replay). */
    Mono<Void> close() {
        StreamedTransaction left;
        synchronized (this) {
            closed = true;
            left = take();
        }
        return left == null ? Mono.empty() : left.abort();
    }
}
