package io.onceflow.core;

/** The listener of a pipeline that has none: one instance, so that options with it compare equal. */
enum NoProtocolListener implements ProtocolListener {
    INSTANCE;

    @Override
    public void reached(ProtocolPoint point, long checkpointId) {
        // nothing: no one listens
    }

    @Override
    public String toString() {
        return "ProtocolListener.none()";
    }
}
