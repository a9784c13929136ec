package io.onceflow.chaos.shapes;

import java.util.Locale;

/**
 * One stage of a shape: an operator of the public API, with a parameter that varies what it computes (moduli, fan-out,
 * concurrency, window sizes, which values make its user function throw). An odd parameter applies {@code map},
 * {@code filter}, {@code handle} and the {@code Keyed.update} kinds the {@code Flux.transform} way, with the function of
 * {@code Checkpointed} or the {@code Keyed} itself, and an even one with the fluent operator: the two ways fuse a run of
 * stateless steps into the next stage differently, and both must commit the same.
 *
 * @param kind the operator
 * @param parameter 0 to 1000
 */
public record Stage(Kind kind, int parameter) {

    /** The operators a shape is made of. */
    public enum Kind {
        MAP,
        FILTER,
        HANDLE,
        FLAT_MAP,
        CONCAT_MAP,
        KEYED_LONG,
        /** {@code Keyed.update}: the key's new state is the output (the fused path of {@code map(...).keyed(...)}). */
        KEYED_UPDATE,
        /** {@code Keyed.update} with an output function that emits nothing for some records. */
        KEYED_UPDATE_OUTPUT,
        KEYED_ERASED_MAP,
        KEYED_SEALED,
        KEYED_GENERIC_RECORD,
        TUMBLING_WINDOW,
        SLIDING_WINDOW,
        DEDUPLICATE,
        /** Never generated: a keyed sum whose codec drops half of it, to show the oracle can fail. */
        BROKEN_CODEC
    }

    /** {@code kind:parameter}, as {@link #parse} reads it. */
    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + parameter;
    }

    /** The stage {@link #toString()} wrote. */
    public static Stage parse(String text) {
        int colon = text.indexOf(':');
        return new Stage(
                Kind.valueOf(text.substring(0, colon).toUpperCase(Locale.ROOT)),
                Integer.parseInt(text.substring(colon + 1)));
    }
}
