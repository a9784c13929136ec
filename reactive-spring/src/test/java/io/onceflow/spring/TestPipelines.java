package io.onceflow.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CommitPoint;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.Collection;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/** Pipelines on the test kit (no server), each with a registry of its own: what the Spring tests run. */
final class TestPipelines {

    private TestPipelines() {}

    /** A source, a commit point, and the pipeline between them. */
    record Fixture(
            TestSource<String> source,
            InMemoryCommitPoint<String> sink,
            HangingCommitPoint<String> gate,
            Pipeline pipeline,
            MeterRegistry meters) {}

    static Fixture pipeline(String name) {
        return pipeline(name, Duration.ofMillis(100));
    }

    static Fixture pipeline(String name, Duration checkpointEvery) {
        return pipeline(name, checkpointEvery, null);
    }

    /** With {@code time} as the pipeline's scheduler (virtual time), or Reactor's when null. */
    static Fixture pipeline(String name, Duration checkpointEvery, @Nullable Scheduler time) {
        TestSource<String> source = TestSource.create();
        InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
        HangingCommitPoint<String> gate = new HangingCommitPoint<>(sink);
        MeterRegistry meters = new SimpleMeterRegistry();
        PipelineBuilder builder =
                Onceflow.pipeline(name).checkpointEvery(checkpointEvery).meterRegistry(meters);
        if (time != null) {
            builder = builder.scheduler(time);
        }
        Pipeline pipeline = builder.from(source).map(String::toUpperCase).to(gate);
        return new Fixture(source, sink, gate, pipeline, meters);
    }

    /** A commit point whose commits never complete once {@link #hang()} is called: a stuck database. */
    static final class HangingCommitPoint<T> implements CommitPoint<T> {

        private final InMemoryCommitPoint<T> delegate;
        private volatile boolean hanging;

        HangingCommitPoint(InMemoryCommitPoint<T> delegate) {
            this.delegate = delegate;
        }

        void hang() {
            hanging = true;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public boolean isDurable() {
            return delegate.isDurable();
        }

        @Override
        public Mono<CommitPointWriter<T>> open(SinkContext context) {
            return delegate.open(context).map(writer -> new CommitPointWriter<T>() {
                @Override
                public long lastCompletedCheckpoint() {
                    return writer.lastCompletedCheckpoint();
                }

                @Override
                public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
                    return writer.recover(partitions);
                }

                @Override
                public boolean acceptsDeadLetters() {
                    return writer.acceptsDeadLetters();
                }

                @Override
                public void deadLetter(DeadLetter<?> deadLetter) {
                    writer.deadLetter(deadLetter);
                }

                @Override
                public void deadLettersOf(long checkpointId, java.util.List<DeadLetter<?>> deadLetters) {

                    writer.deadLettersOf(checkpointId, deadLetters);
                }

                @Override
                public void write(Data<T> record) {
                    writer.write(record);
                }

                @Override
                public Mono<Void> checkpoint(Marker<?> marker) {
                    return hanging ? Mono.never() : writer.checkpoint(marker);
                }

                @Override
                public int bufferedRecords() {
                    return writer.bufferedRecords();
                }

                @Override
                public int maxBufferedRecords() {
                    return writer.maxBufferedRecords();
                }

                @Override
                public Mono<Void> close() {
                    return writer.close();
                }
            });
        }
    }
}
