package io.onceflow.core.testkit;

/**
 * The failure an in-memory participant throws when a test told it to fail; retryable, like a lost connection.
 *
 * @since 0.1
 */
public final class InjectedFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ProtocolStep step;

    public InjectedFailure(String participant, ProtocolStep step) {
        super("injected failure in '" + participant + "' at " + step);
        this.step = step;
    }

    /** Where it was injected. */
    public ProtocolStep step() {
        return step;
    }
}
