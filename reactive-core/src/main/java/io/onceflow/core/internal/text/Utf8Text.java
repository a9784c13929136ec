package io.onceflow.core.internal.text;

/**
 * Whether a Java string has a UTF-8 form of its own. {@code String.getBytes(UTF_8)} writes {@code ?} for an unpaired
 * surrogate, so two different strings can be stored as one: two state keys would share a state, two rows of an
 * upsert one row. Such text usually comes from a JSON string with a lone {@code \ud800} escape, which Jackson reads as
 * it is.
 */
public final class Utf8Text {

    private Utf8Text() {}

    /**
     * The index of the first unpaired surrogate in {@code text}, or -1 when every surrogate is half of a pair: one
     * comparison per character for text without surrogates.
     */
    public static int unpairedSurrogate(CharSequence text) {
        for (int i = 0, length = text.length(); i < length; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair: one code point, which UTF-8 holds
                continue;
            }
            return i;
        }
        return -1;
    }

    /** What an unpaired surrogate is, for a message: {@code an unpaired UTF-16 surrogate (\ud800 at index 5)}. */
    public static String describe(CharSequence text, int index) {
        return String.format("an unpaired UTF-16 surrogate (\\u%04x at index %d)", (int) text.charAt(index), index);
    }
}
