package io.onceflow.kafka.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The metadata Onceflow stores with each committed consumer offset: which pipeline, instance and checkpoint
 * committed it, so that {@code kafka-consumer-groups --describe} shows it and a restarted pipeline continues the
 * checkpoint ids; and, for a pipeline with keyed state, the last checkpoint that wrote the partition's state to the
 * changelog, so that a restore can tell whether the changelog it reads has reached that state.
 */
final class OffsetMetadata {

    private static final Pattern CHECKPOINT = Pattern.compile("(?:^|;)checkpoint=(\\d{1,19})(?:;|$)");
    private static final Pattern STATE = Pattern.compile("(?:^|;)state=(\\d{1,19})(?:;|$)");

    private OffsetMetadata() {}

    /**
     * {@code onceflow;pipeline=<p>;instance=<i>;checkpoint=<n>}, and {@code ;state=<s>} when a checkpoint has written
     * the partition's state.
     *
     * @param stateCheckpoint the last checkpoint that wrote the partition's state to the changelog, or 0 for none
     */
    static String encode(String pipeline, String instanceId, long checkpointId, long stateCheckpoint) {
        String metadata = "onceflow;pipeline=" + pipeline + ";instance=" + instanceId + ";checkpoint=" + checkpointId;
        return stateCheckpoint > 0 ? metadata + ";state=" + stateCheckpoint : metadata;
    }

    /** The checkpoint id in Onceflow offset metadata, or 0 when there is none. */
    static long checkpointId(@Nullable String metadata) {
        return number(CHECKPOINT, metadata);
    }

    /** The last checkpoint that wrote the partition's state, or 0 when none did (or the metadata is not ours). */
    static long stateCheckpoint(@Nullable String metadata) {
        return number(STATE, metadata);
    }

    private static long number(Pattern pattern, @Nullable String metadata) {
        if (metadata == null || !metadata.startsWith("onceflow;")) {
            return 0;
        }
        Matcher matcher = pattern.matcher(metadata);
        if (!matcher.find()) {
            return 0;
        }
        try {
            return Long.parseLong(matcher.group(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
