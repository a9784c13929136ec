package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A record whose key was seen first in an earlier record, within the retention of a {@link Deduplicate} operator: the
 * record is dead-lettered with this as its error, so that it has no other effect. The message names the key (cut to
 * {@value #MAX_KEY_CHARS} characters, control characters escaped) and where its first record was read.
 *
 * @since 0.2
 */
public final class DuplicateRecordException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The longest rendering of a key in the message; a longer key is cut, with its length. */
    public static final int MAX_KEY_CHARS = 100;

    private final transient Origin first;

    /**
     * @param operator the deduplicate operator's name
     * @param key the key, as its state entry has it
     * @param origin where the duplicate was read
     * @param first where the key's first record was read, with its timestamp
     * @param retention the operator's retention
     */
    public DuplicateRecordException(String operator, String key, Origin origin, Origin first, Duration retention) {
        super("deduplicate operator '" + operator + "': the key " + shown(key) + " was first seen at " + first
                + " (timestamp " + first.timestamp() + "), and this record at " + origin + " (timestamp "
                + origin.timestamp() + ") comes within the retention of " + retention + ": a duplicate, which has"
                + " no effect but this dead letter");
        this.first = requireNonNull(first, "first");
    }

    /** Where the key's first record was read, with its timestamp. */
    public Origin first() {
        return first;
    }

    /** A key for a message: quoted, control characters and unpaired surrogates escaped, cut to a bounded length. */
    static String shown(String key) {
        StringBuilder shown = new StringBuilder(Math.min(key.length(), MAX_KEY_CHARS) + 24).append('\'');
        int end = Math.min(key.length(), MAX_KEY_CHARS);
        if (end < key.length() && Character.isHighSurrogate(key.charAt(end - 1))) {
            end--; // not cut between the halves of a pair
        }
        for (int i = 0; i < end; i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c) || unpairedSurrogate(key, i)) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        shown.append('\'');
        if (key.length() > end) {
            shown.append(" (cut, ").append(key.length()).append(" characters)");
        }
        return shown.toString();
    }

    /** Whether the character at {@code index} is a surrogate without its other half, which no UTF-8 can show. */
    static boolean unpairedSurrogate(String text, int index) {
        char c = text.charAt(index);
        if (Character.isHighSurrogate(c)) {
            return index + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(index + 1));
        }
        return Character.isLowSurrogate(c) && (index == 0 || !Character.isHighSurrogate(text.charAt(index - 1)));
    }
}
