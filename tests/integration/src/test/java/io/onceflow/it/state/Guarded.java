package io.onceflow.it.state;

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
}
