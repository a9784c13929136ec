package io.onceflow.kafka.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The metadata Onceflow stores with each committed consumer offset: which pipeline, instance and checkpoint
 * committed it, so that {@code kafka-consumer-groups --describe} shows it and a restarted pipeline continues the
 * checkpoint ids.
 */
final class OffsetMetadata {

    private static final Pattern CHECKPOINT = Pattern.compile("(?:^|;)checkpoint=(\\d{1,19})(?:;|$)");

    private OffsetMetadata() {}

    /** {@code onceflow;pipeline=<p>;instance=<i>;checkpoint=<n>}. */
    static String encode(String pipeline, String instanceId, long checkpointId) {
        return "onceflow;pipeline=" + pipeline + ";instance=" + instanceId + ";checkpoint=" + checkpointId;
    }

    /** The checkpoint id in Onceflow offset metadata, or 0 when there is none. */
    static long checkpointId(@Nullable String metadata) {
        if (metadata == null || !metadata.startsWith("onceflow;")) {
            return 0;
        }
        Matcher matcher = CHECKPOINT.matcher(metadata);
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
