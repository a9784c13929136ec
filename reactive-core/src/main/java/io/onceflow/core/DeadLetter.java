package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A record that could not be processed, travelling in-band to the commit point.
 *
 * <p>A poison record (unreadable bytes, a failed validation, an exception from a user function) becomes a dead
 * letter at the stage that failed. It travels with the records, so it belongs to the same checkpoint as its
 * neighbours, and the commit point writes it to its dead-letter destination inside that checkpoint's commit: the
 * skip itself is exactly-once. A pipeline whose commit point has no dead-letter destination stops with a
 * {@link PoisonRecordException} that names the origin. Operators pass dead letters through untouched.
 *
 * @param origin the record's origin (topic, partition, offset)
 * @param stage where it failed: {@code "deserialize"}, or the operator, for example {@code "map"}
 * @param payload what failed at that stage: raw bytes from a source, or the value an operator was given
 * @param error the failure
 * @param <T> the element type of the stream this dead letter travels in
 * @since 0.1
 */
public record DeadLetter<T>(
        Origin origin, String stage, @Nullable Object payload, Throwable error) implements StreamElement<T> {

    private static final int STACK_SUMMARY_FRAMES = 8;

    public DeadLetter {
        requireNonNull(origin, "origin");
        requireNonNull(stage, "stage");
        requireNonNull(error, "error");
    }

    /** This dead letter in a stream of another element type. */
    @SuppressWarnings("unchecked")
    public <R> DeadLetter<R> cast() {
        return (DeadLetter<R>) this;
    }

    /** The failure's class name. */
    public String errorClass() {
        return error.getClass().getName();
    }

    /** The failure's message, or its class name when it has none. */
    public String errorMessage() {
        String message = error.getMessage();
        return message != null ? message : error.getClass().getSimpleName();
    }

    /** The top frames of the failure's stack, one per line, and its causes' summaries. */
    public String stackSummary() {
        StringBuilder summary = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (summary.length() > 0) {
                summary.append("Caused by: ");
            }
            summary.append(t).append('\n');
            summary.append(Arrays.stream(t.getStackTrace())
                    .limit(STACK_SUMMARY_FRAMES)
                    .map(frame -> "\tat " + frame)
                    .collect(Collectors.joining("\n")));
            summary.append('\n');
        }
        return summary.toString();
    }

    @Override
    public String toString() {
        return "DeadLetter[" + origin + " at " + stage + ": " + errorClass() + ": " + errorMessage() + "]";
    }
}
