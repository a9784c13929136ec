package io.onceflow.core.internal.operators;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.StreamElement;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;

/**
 * The one Reactor stage of a run of {@link StatelessSteps} over an upstream, kept recognizable at assembly, so that
 * the marker-aware operator applied next with {@link Flux#transform} joins the run instead of adding a stage.
 *
 * <pre>
 *   elements.transform(map(f)).transform(filter(p)).transform(keyed)
 *     assembled as: elements ─▶ [f, p, keyed state]   one stage, one Data per record
 *     not as:       elements ─▶ [f] ─▶ [p] ─▶ [keyed state]
 * </pre>
 *
 * <p>Why at assembly: {@code Flux.transform} applies each function at once, so nothing but the flux it returns tells
 * the next function what came before. Joining changes no outcome: the steps run in the same order over each record,
 * a failing step dead-letters its record with its own name, and markers pass in order (what the fluent
 * {@link io.onceflow.core.CheckpointedFlux} does, proven equal by the operator tests). A flux that is not this one (a
 * user's operator in between, Reactor's assembly hooks) is not joined: its stage stays a stage of its own.
 *
 * <p>Subscribing to a {@code SteppedFlux} subscribes to its stage: the steps it holds for a next operator to join are
 * only read at assembly, never run twice.
 *
 * @param <R> the value type of the steps' output
 */
public final class SteppedFlux<R> extends Flux<StreamElement<R>> implements Scannable {

    private final Flux<StreamElement<Object>> upstream;
    private final StatelessSteps<Object, R> steps;
    private final Flux<StreamElement<R>> stage;

    SteppedFlux(Flux<StreamElement<Object>> upstream, StatelessSteps<Object, R> steps, Flux<StreamElement<R>> stage) {
        this.upstream = requireNonNull(upstream, "upstream");
        this.steps = requireNonNull(steps, "steps");
        this.stage = requireNonNull(stage, "stage");
    }

    /** The flux the steps run over: where an operator that joins them subscribes instead. */
    public Flux<StreamElement<Object>> upstream() {
        return upstream;
    }

    /** The run of steps, for an operator that joins them to its own stage. */
    public StatelessSteps<Object, R> runOfSteps() {
        return steps;
    }

    @Override
    public void subscribe(CoreSubscriber<? super StreamElement<R>> actual) {
        stage.subscribe(actual);
    }

    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        // the stage's own answers: a tool walking the chain sees the Reactor stage that runs
        return Scannable.from(stage).scanUnsafe(key);
    }
}
