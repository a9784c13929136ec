package io.onceflow.core.internal.text;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A dead letter's payload as a sink stores it: whole when it fits the sink's bound, otherwise its first bytes with the
 * length and SHA-256 of the whole, so that a record found again by its origin can be told to be the one that failed.
 *
 * <p>Why a bound at all: a payload is whatever a hostile or broken producer sent, up to the broker's record limit
 * (which operators raise), and a sink writes a checkpoint's dead letters together. Uncut, a few hundred large ones make
 * a Kafka record the producer refuses or a PostgreSQL statement over the server's 1 GB message limit: a checkpoint
 * that fails at every restart.
 *
 * @param head the payload, or its first bytes when it was cut
 * @param length the whole payload's length in bytes
 * @param sha256 the whole payload's SHA-256, in lower-case hex, when it was cut; {@code null} when {@code head} is all
 *     of it
 */
public record PayloadCut(byte[] head, long length, @Nullable String sha256) {

    /** {@code payload} whole, or cut to its first {@code maxBytes} bytes, wherever they end. */
    public static PayloadCut of(byte[] payload, int maxBytes) {
        if (payload.length <= maxBytes) {
            return new PayloadCut(payload, payload.length, null);
        }
        return new PayloadCut(Arrays.copyOf(payload, maxBytes), payload.length, sha256(payload));
    }

    /** UTF-8 text whole, or cut to at most {@code maxBytes} bytes at a character's boundary, so the head is text. */
    public static PayloadCut ofText(byte[] utf8, int maxBytes) {
        if (utf8.length <= maxBytes) {
            return new PayloadCut(utf8, utf8.length, null);
        }
        return new PayloadCut(Utf8Text.head(utf8, maxBytes), utf8.length, sha256(utf8));
    }

    /** Whether the payload was cut: {@link #head} is not all of it. */
    public boolean cut() {
        return sha256 != null;
    }

    /** The SHA-256 of {@code bytes}, in lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PayloadCut that
                && length == that.length
                && Arrays.equals(head, that.head)
                && Objects.equals(sha256, that.sha256);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(head) + Long.hashCode(length);
    }

    @Override
    public String toString() {
        return "PayloadCut[" + head.length + " of " + length + " bytes" + (sha256 == null ? "" : ", sha256=" + sha256)
                + "]";
    }
}
