package io.onceflow.kafka.internal;

import io.onceflow.core.SourceContext;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.BatchingSource;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import reactor.core.publisher.Flux;

/** The {@link KafkaSource}: each run of the pipeline gets a {@link KafkaSourceRun} with a consumer of its own. */
public final class DefaultKafkaSource<T> implements KafkaSource<T>, BatchingSource<T> {

    private final KafkaSourceOptions<T> options;
    private final LagMeters lagMeters = new LagMeters();

    public DefaultKafkaSource(KafkaSourceOptions<T> options) {
        this.options = options;
    }

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public KafkaSourceOptions<T> options() {
        return options;
    }

    /** One element per record; a pipeline opens the source with {@link #openBatched} instead. */
    @Override
    public Flux<StreamElement<T>> open(SourceContext context) {
        return Flux.defer(() -> new KafkaSourceRun<>(options, context, lagMeters).elements());
    }

    /** A batch of records for each partition of each poll: what a pipeline reads. */
    @Override
    public Flux<Object> openBatched(SourceContext context) {
        return Flux.defer(() -> new KafkaSourceRun<>(options, context, lagMeters).batches());
    }

    @Override
    public String toString() {
        return "KafkaSource[" + options.name() + ", topics=" + options.topics() + "]";
    }
}
