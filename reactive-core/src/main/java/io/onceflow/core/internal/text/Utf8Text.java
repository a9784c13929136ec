package io.onceflow.core.internal.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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

    /**
     * {@code value} cut to at most {@code maxBytes} bytes of UTF-8, at a character's boundary: {@code value} itself
     * when it fits. Text with an unpaired surrogate is measured as the UTF-8 it is written as ({@code ?} for it).
     */
    public static String cut(String value, int maxBytes) {
        if ((long) value.length() * 3 <= maxBytes) {
            return value; // even three bytes a character fit
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) {
            return value;
        }
        return new String(utf8, 0, boundary(utf8, maxBytes), StandardCharsets.UTF_8);
    }

    /**
     * The longest prefix of {@code utf8} of at most {@code maxBytes} bytes that ends at a character's boundary: a cut
     * there never splits a character's bytes.
     */
    public static int boundary(byte[] utf8, int maxBytes) {
        if (utf8.length <= maxBytes) {
            return utf8.length;
        }
        int end = Math.max(0, maxBytes);
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
            end--; // utf8[end] continues the character that starts before it
        }
        return end;
    }

    /** The first {@code maxBytes} bytes of {@code utf8}, ending at a character's boundary. */
    public static byte[] head(byte[] utf8, int maxBytes) {
        return Arrays.copyOf(utf8, boundary(utf8, maxBytes));
    }
}
