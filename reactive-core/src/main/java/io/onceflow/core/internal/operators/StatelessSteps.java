package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.nullResult;
import static io.onceflow.core.internal.operators.Elements.passThrough;
import static java.util.Objects.requireNonNull;

import io.onceflow.core.Data;
import io.onceflow.core.Origin;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.RecordBatch;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * {@code map}, {@code filter} and {@code handle}, and any run of them fused into one Reactor stage.
 *
 * <p>Each step turns a record value into the next value, or into nothing (the record is filtered out). A run of
 * steps costs one {@link Flux#handle} and one {@link Data} per record, however many steps it has: that is what
 * {@link io.onceflow.core.CheckpointedFlux} builds when operators follow each other. Markers and dead letters pass
 * untouched. A step that throws (or maps to {@code null}) dead-letters the record with the step's name and the
 * value it was given; {@code complete()} from a {@code handle} step is refused with an error, because a
 * checkpointed stream ends only when its source does.
 *
 * @param <T> the input value type
 * @param <R> the output value type
 */
public final class StatelessSteps<T, R> implements Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> {

    /** What a step returns for a record it filters out. */
    private static final Object SKIP = new Object();

    /**
     * One step: a value in, a value (or {@link #SKIP}) out. It gets the stage's sink only to read the subscriber
     * context from it, and only when a user's handler asks: reading it walks the whole chain of subscribers, which
     * per record would cost more than the steps themselves.
     */
    private interface Step {
        String stage();

        @Nullable
        Object apply(Object value, SynchronousSink<?> stage);
    }

    private final Step[] steps;

    private StatelessSteps(Step[] steps) {
        this.steps = steps;
    }

    public static <T, R> StatelessSteps<T, R> map(Function<? super T, ? extends R> mapper) {
        requireNonNull(mapper, "mapper");
        return new StatelessSteps<>(new Step[] {
            new Step() {
                @Override
                public String stage() {
                    return "map";
                }

                @Override
                @SuppressWarnings("unchecked")
                public Object apply(Object value, SynchronousSink<?> stage) {
                    R result = mapper.apply((T) value);
                    if (result == null) {
                        throw nullResult("map");
                    }
                    return result;
                }
            }
        });
    }

    public static <T> StatelessSteps<T, T> filter(Predicate<? super T> predicate) {
        requireNonNull(predicate, "predicate");
        return new StatelessSteps<>(new Step[] {
            new Step() {
                @Override
                public String stage() {
                    return "filter";
                }

                @Override
                @SuppressWarnings("unchecked")
                public Object apply(Object value, SynchronousSink<?> stage) {
                    return predicate.test((T) value) ? value : SKIP;
                }
            }
        });
    }

    public static <T, R> StatelessSteps<T, R> handle(BiConsumer<? super T, SynchronousSink<R>> handler) {
        requireNonNull(handler, "handler");
        return new StatelessSteps<>(new Step[] {
            new Step() {
                @Override
                public String stage() {
                    return "handle";
                }

                @Override
                @SuppressWarnings("unchecked")
                public Object apply(Object value, SynchronousSink<?> stage) {
                    RecordSink<R> sink = new RecordSink<>(stage);
                    handler.accept((T) value, sink);
                    if (sink.completed) {
                        throw new CompleteRefused();
                    }
                    if (sink.failure != null) {
                        throw new HandlerFailure(sink.failure);
                    }
                    return sink.value != null ? sink.value : SKIP;
                }
            }
        });
    }

    /** These steps followed by {@code next}'s, as one stage. */
    public <V> StatelessSteps<T, V> then(StatelessSteps<R, V> next) {
        Step[] joined = Arrays.copyOf(steps, steps.length + next.steps.length);
        System.arraycopy(next.steps, 0, joined, steps.length, next.steps.length);
        return new StatelessSteps<>(joined);
    }

    /**
     * The steps' stage over {@code upstream}; when {@code upstream} is itself the stage of a run of steps (a
     * {@code Flux.transform} of map, filter or handle just before), one stage of both runs (see {@link SteppedFlux}).
     */
    @Override
    public Flux<StreamElement<R>> apply(Flux<StreamElement<T>> upstream) {
        if (upstream instanceof SteppedFlux<T> before) {
            return before.runOfSteps().then(this).stageOver(before.upstream());
        }
        return stageOver(upstream);
    }

    /** The one stage of these steps over {@code upstream}, recognizable to the operator applied next. */
    @SuppressWarnings("unchecked")
    private SteppedFlux<R> stageOver(Flux<StreamElement<T>> upstream) {
        // the steps take any value: what they hold for a next operator to join is typed from Object on
        return new SteppedFlux<>(
                (Flux<StreamElement<Object>>) (Flux<?>) upstream,
                (StatelessSteps<Object, R>) (StatelessSteps<?, R>) this,
                stage(upstream));
    }

    @SuppressWarnings("unchecked")
    private Flux<StreamElement<R>> stage(Flux<StreamElement<T>> upstream) {
        return upstream.handle((element, sink) -> {
            if (!(element instanceof Data<T> record)) {
                sink.next(passThrough(element));
                return;
            }
            Object value = valueOf(record, sink);
            if (value != null) {
                // a run of filters changes no value: pass the record itself rather than a copy
                sink.next(value == record.value() ? (Data<R>) record : record.withValue((R) value));
            }
        });
    }

    /**
     * The steps' stage over a stream that may carry {@link RecordBatch}es: a batch is rewritten in place, each record
     * through every step, a dropped record leaving it and a failing one leaving its dead letter in its place; a batch
     * left empty is not emitted. Single records, markers and dead letters go as in {@link #apply}.
     */
    @SuppressWarnings("unchecked")
    public Flux<Object> batchedOver(Flux<?> upstream) {
        return ((Flux<Object>) upstream).handle((element, sink) -> {
            if (element instanceof RecordBatch<?> batch) {
                batch.beginRewrite();
                for (int i = 0, size = batch.size(); i < size; i++) {
                    if (batch.isDeadLetter(i)) {
                        batch.keepAsIs(i);
                        continue;
                    }
                    Object value = valueAt(batch, i, sink);
                    if (value != null) {
                        batch.keep(i, value);
                    }
                }
                if (!batch.endRewrite().isEmpty()) {
                    sink.next(batch);
                }
            } else if (element instanceof Data<?> record) {
                Object value = valueOf(record, (SynchronousSink<StreamElement<Object>>) (SynchronousSink<?>) sink);
                if (value != null) {
                    sink.next(value == record.value() ? record : record.withValue(value));
                }
            } else {
                sink.next(element);
            }
        });
    }

    /**
     * Runs the steps over one record, inside the Reactor stage of {@code sink}: the value they end with, or
     * {@code null} when the record ends here (filtered out; dead-lettered, its dead letter already emitted to
     * {@code sink}; or the stream failed). A stage that fuses these steps before its own work calls this, so the
     * record costs no intermediate {@link Data}.
     */
    public <X> @Nullable Object valueOf(Data<?> record, SynchronousSink<StreamElement<X>> sink) {
        Object value = run(record.value(), sink);
        if (value == SKIP) {
            return null;
        }
        if (value instanceof StepFailure failure) {
            if (failure.cause == null) {
                sink.error(completeRefused(record.origin()));
            } else {
                sink.next(deadLetter(record.origin(), failure.stage, failure.payload, failure.cause));
            }
            return null;
        }
        return value;
    }

    /**
     * Runs the steps over the record in slot {@code index} of {@code batch}, in a rewrite of the batch inside the
     * Reactor stage of {@code sink}: the value they end with, which the caller keeps (or replaces with its own
     * output); or {@code null} when the record ends here: filtered out (the caller does not keep the slot), or
     * dead-lettered (its dead letter kept in its place already).
     *
     * @throws PipelineConfigurationException when a handler called {@code complete()}: the stream fails
     */
    public @Nullable Object valueAt(RecordBatch<?> batch, int index, SynchronousSink<?> sink) {
        Object value = run(batch.value(index), sink);
        if (value == SKIP) {
            return null;
        }
        if (value instanceof StepFailure failure) {
            Origin origin = batch.origin(index);
            if (failure.cause == null) {
                throw completeRefused(origin);
            }
            batch.keepDeadLetter(index, deadLetter(origin, failure.stage, failure.payload, failure.cause));
            return null;
        }
        return value;
    }

    /** The steps over one value: the value they end with, {@link #SKIP}, or the {@link StepFailure} that ended it. */
    private Object run(Object input, SynchronousSink<?> sink) {
        Object value = input;
        for (Step step : steps) {
            Object next;
            try {
                next = step.apply(value, sink);
            } catch (CompleteRefused refused) {
                return new StepFailure(step.stage(), value, null);
            } catch (HandlerFailure failure) {
                return new StepFailure(step.stage(), value, requireNonNull(failure.getCause()));
            } catch (Throwable failure) {
                return new StepFailure(step.stage(), value, failure);
            }
            if (next == SKIP) {
                return SKIP;
            }
            value = requireNonNull(next);
        }
        return value;
    }

    private static PipelineConfigurationException completeRefused(Origin origin) {
        return new PipelineConfigurationException("handle called complete() for " + origin
                + ": a checkpointed stream ends only when its source does; emit nothing instead");
    }

    /**
     * A step that failed on {@code payload}: with its {@code cause}, the record's dead letter; without one, a handler
     * that called {@code complete()}. Only this class makes one, so no record value is mistaken for it.
     */
    private record StepFailure(
            String stage, Object payload, @Nullable Throwable cause) {}

    /** A handler called {@code complete()}: an error of the stream, not of the record. */
    private static final class CompleteRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CompleteRefused() {
            super(null, null, false, false);
        }
    }

    /** A handler signalled {@code error(e)}: the record's failure is {@code e} itself. */
    private static final class HandlerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailure(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    /** Collects what the user's handler signals for one record. */
    private static final class RecordSink<R> implements SynchronousSink<R> {

        private final SynchronousSink<?> stage;
        private @Nullable R value;
        private @Nullable Throwable failure;
        private boolean completed;

        RecordSink(SynchronousSink<?> stage) {
            this.stage = stage;
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
            return Context.of(stage.contextView());
        }

        @Override
        public ContextView contextView() {
            return stage.contextView();
        }
    }
}
