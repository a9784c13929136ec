package io.onceflow.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.CheckpointFailedException;
import io.onceflow.core.StateCodecException;

/**
 * A balance whose JSON cannot be written once it is negative (its accessor refuses): a state value that is immutable,
 * so Onceflow hands it to the commit point unencoded, and that fails when the commit point encodes it.
 */
record Guarded(String account, long cents) {

    /** A spend (or, negative, a refund) of {@code cents} on {@code account}. */
    record Spend(String account, long cents) {}

    /** What the job writes: the balance as a number, readable whatever its sign. */
    record Total(String account, long cents) {}

    static Guarded empty(String account) {
        return new Guarded(account, 0);
    }

    Guarded apply(Spend spend) {
        return new Guarded(account, cents + spend.cents());
    }

    @Override
    public long cents() {
        if (cents < 0) {
            throw new IllegalStateException("a negative balance of " + account + " cannot be written");
        }
        return cents;
    }

    Total total() {
        return new Total(account, cents);
    }

    /**
     * What a pipeline of operator {@code guarded} stops with when account {@code a} went negative: its checkpoint
     * failed in the commit point, which could not encode the state, and is not retried.
     */
    static void assertStoppedByItsNegativeBalance(Throwable failure) {
        assertThat(failure)
                .isInstanceOf(CheckpointFailedException.class)
                .cause()
                .isInstanceOf(StateCodecException.class)
                .hasMessageContaining("keyed operator 'guarded'")
                .hasMessageContaining("key 'a'")
                .hasMessageContaining("a negative balance of a cannot be written");
    }
}
