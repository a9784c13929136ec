package io.onceflow.core.internal.batch;

import io.onceflow.core.Source;
import io.onceflow.core.SourceContext;
import reactor.core.publisher.Flux;

/**
 * A source that can emit a partition's records as one {@link RecordBatch} rather than one {@link
 * io.onceflow.core.Data} each: the pipeline opens it with {@link #openBatched} instead of {@link #open}.
 *
 * <p>Internal: a source of Onceflow's own (Kafka's, which polls in batches anyway) implements it; the public
 * {@link Source} contract, one element per record, is unchanged for everyone else. The contract is {@link #open}'s:
 * a batch is emitted only for a partition the source has claimed, within demand (a batch is one element of demand),
 * and it holds records of one partition in offset order, dead letters in their records' places.
 *
 * @param <T> the type of the record values
 */
public interface BatchingSource<T> extends Source<T> {

    /**
     * Opens the source for one run, like {@link #open}.
     *
     * @return {@link RecordBatch}es, and {@link io.onceflow.core.Data} or {@link io.onceflow.core.DeadLetter}
     *     elements for records the source emits one at a time
     */
    Flux<Object> openBatched(SourceContext context);
}
