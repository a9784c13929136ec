package io.onceflow.core.internal.state;

import io.onceflow.core.Origin;
import io.onceflow.core.Windows;

/** A record arrived after every window it belongs to had expired; it is dead-lettered, not dropped. */
public final class LateRecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LateRecordException(Origin origin, long watermark, Windows windows) {
        super("record at " + origin + " with timestamp " + origin.timestamp() + " is later than the allowed lateness:"
                + " watermark " + watermark + ", windows " + windows);
    }
}
