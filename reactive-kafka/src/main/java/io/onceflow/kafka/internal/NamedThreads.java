package io.onceflow.kafka.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Dedicated threads for blocking Kafka client calls. They are plain daemon threads, not Reactor's non-blocking
 * ones: blocking there is their purpose.
 */
final class NamedThreads {

    private NamedThreads() {}

    /** One daemon thread, named {@code name}. */
    static ExecutorService single(String name) {
        return Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A scheduler on one dedicated daemon thread, disposed with the scheduler. */
    static Scheduler singleScheduler(String name) {
        return Schedulers.fromExecutorService(single(name), name);
    }
}
