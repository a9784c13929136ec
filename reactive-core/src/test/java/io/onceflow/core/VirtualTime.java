package io.onceflow.core;

import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link StepVerifier#withVirtualTime} on a scheduler whose clock moves when told to.
 *
 * <p>The plain {@code withVirtualTime(supplier)} uses a deferring scheduler: time advanced while nothing is
 * scheduled is held back and applied to the next task scheduled, so a checkpoint timeout scheduled after
 * {@code thenAwait(Duration.ofDays(1))} on an idle pipeline would fire the moment it is scheduled.
 */
final class VirtualTime {

    private VirtualTime() {}

    static <T> StepVerifier.FirstStep<T> withVirtualTime(Supplier<? extends Publisher<? extends T>> scenario) {
        return StepVerifier.withVirtualTime(scenario, VirtualTimeScheduler::create, Long.MAX_VALUE);
    }
}
