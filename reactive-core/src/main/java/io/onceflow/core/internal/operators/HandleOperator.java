package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.passThrough;

import io.onceflow.core.Data;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.StreamElement;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * {@code handle}: the user's handler gets each record value and a {@link SynchronousSink} for at most one output.
 * {@code error(e)} on that sink, or a thrown exception, dead-letters the record; {@code complete()} is refused,
 * because a checkpointed stream ends only when its source does.
 */
public final class HandleOperator {

    private HandleOperator() {}

    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> handle(
            BiConsumer<? super T, SynchronousSink<R>> handler) {
        return upstream -> upstream.handle((element, sink) -> {
            if (!(element instanceof Data<T> record)) {
                sink.next(passThrough(element));
                return;
            }
            RecordSink<R> recordSink = new RecordSink<>(sink.contextView());
            try {
                handler.accept(record.value(), recordSink);
            } catch (Throwable failure) {
                sink.next(deadLetter(record, "handle", failure));
                return;
            }
            if (recordSink.completed) {
                sink.error(new PipelineConfigurationException("handle called complete() for " + record.origin()
                        + ": a checkpointed stream ends only when its source does; emit nothing instead"));
            } else if (recordSink.failure != null) {
                sink.next(deadLetter(record, "handle", recordSink.failure));
            } else if (recordSink.value != null) {
                sink.next(record.withValue(recordSink.value));
            }
        });
    }

    /** Collects what the user's handler signals for one record. */
    private static final class RecordSink<R> implements SynchronousSink<R> {

        private final ContextView context;
        private @Nullable R value;
        private @Nullable Throwable failure;
        private boolean completed;

        RecordSink(ContextView context) {
            this.context = context;
        }

        @Override
        public void next(R result) {
            if (result == null) {
                // a record must never vanish: even if the handler swallows this, the record is dead-lettered
                NullPointerException nullValue =
                        new NullPointerException("handle emitted null: emit nothing to skip a record");
                fail(nullValue);
                throw nullValue;
            }
            if (value != null) {
                throw new IllegalStateException("handle may emit at most one value per record");
            }
            value = result;
        }

        @Override
        public void error(Throwable e) {
            fail(e != null ? e : new NullPointerException("handle signalled error(null)"));
        }

        private void fail(Throwable e) {
            if (failure == null) {
                failure = e;
            }
        }

        @Override
        public void complete() {
            completed = true;
        }

        @Override
        @Deprecated
        public Context currentContext() {
            return Context.of(context);
        }

        @Override
        public ContextView contextView() {
            return context;
        }
    }
}
