package io.onceflow.core;

import reactor.core.publisher.Flux;

/**
 * A replayable, partitioned source of records, such as Kafka topics.
 *
 * <p>The pipeline opens the source once per run. The source emits {@link Data} (and {@link DeadLetter} for a record
 * it cannot read), never markers: the pipeline injects those. Before it emits the first record of a partition,
 * the source claims the partition with {@link SourceContext#assign} and resumes from the positions it returns;
 * before it gives a partition up, it calls {@link SourceContext#revoke}. Demand must be respected: a source emits
 * no more than requested.
 *
 * @param <T> the type of the record values
 * @since 0.1
 */
public interface Source<T> {

    /** The source's name, used in metric tags, log lines and error messages. */
    String name();

    /**
     * Opens the source for one run.
     *
     * @param context the run's assignment, revocation and checkpoint hooks
     * @return the records; completion ends the run after a final checkpoint, an error fails the run
     */
    Flux<StreamElement<T>> open(SourceContext context);
}
