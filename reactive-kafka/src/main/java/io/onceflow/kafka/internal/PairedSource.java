package io.onceflow.kafka.internal;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The run's Kafka source as its paired sink's writer knows it. The pipeline opens the writer first; the source,
 * opening next, {@linkplain #bind binds} itself ({@link io.onceflow.core.SourceContext#commitPointWriter}), before it
 * joins its group: no partition can be claimed, and no checkpoint can carry positions, before it is bound.
 */
final class PairedSource {

    private final String sink;
    private final String groupId;
    private volatile @Nullable KafkaSourceBinding source;

    /**
     * @param sink the writer's sink's name
     * @param groupId the consumer group the writer commits for
     */
    PairedSource(String sink, String groupId) {
        this.sink = "the Kafka sink '" + sink + "'";
        this.groupId = groupId;
    }

    /**
     * Binds the run's source; once per run.
     *
     * @throws IllegalStateException when another source is bound already (one pipeline run has one source), or the
     *     source reads in another group (which the sink's validation refuses at assembly)
     */
    void bind(KafkaSourceBinding binding) {
        requireNonNull(binding, "binding");
        if (!binding.groupId().equals(groupId)) {
            throw new IllegalStateException("the KafkaSource reads in group '" + binding.groupId() + "' but " + sink
                    + " commits for group '" + groupId + "'");
        }
        synchronized (this) {
            if (source != null && source != binding) {
                throw new IllegalStateException(sink + " is bound to a source of this run already");
            }
            source = binding;
        }
    }

    /**
     * The bound source.
     *
     * @throws IllegalStateException when no source has bound itself: a claim or a checkpoint came before the source
     *     opened, which the pipeline's order of opening excludes
     */
    KafkaSourceBinding get() {
        KafkaSourceBinding bound = source;
        if (bound == null) {
            throw new IllegalStateException(sink + " has no source: the pipeline's KafkaSource binds itself to the"
                    + " sink's writer when it opens, before any partition is claimed. A commit point that decorates"
                    + " the Kafka sink must hand its writer out: override CommitPointWriter.as to return the"
                    + " decorated writer's");
        }
        return bound;
    }
}
