package io.onceflow.core.internal.state;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jackson's first use for state, started off the records' path when a pipeline's first stateful operator registers.
 *
 * <p>Why: the first state key or value a JVM encodes or decodes builds the state mappers ({@link StateJson}) and
 * loads Jackson's classes: half a second to a second on a cold 2-core machine (measured in
 * tests/benchmarks/profiling-notes.md). Without this, the first record after every start or restart paid it on the
 * pipeline's thread, after the sink's fencing and the source's assignment had left that thread idle for seconds; a
 * record of a restarted pipeline is the one that waits longest. Here a daemon thread of its own does it while the run
 * opens its source, claims its partitions and restores them. Once per JVM; a record that needs the mappers before
 * the thread is done waits for their class's initialization, as it would have done the work itself.
 *
 * <p>The thread does only what the first record would have done with the state mappers, on Jackson's ordinary
 * first-use path: a class another thread is initializing is waited for, as when any server's threads use Jackson at
 * once. A failure here (none is expected) is left to the first record, which meets it where it would have.
 */
final class StateMappersWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(StateMappersWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private StateMappersWarmUp() {}

    /** Starts the warm-up, the first time only. */
    static void startOnce() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(StateMappersWarmUp::warmUp, "onceflow-state-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** Builds the mappers and runs each once; whether that went through. */
    static boolean warmUp() {
        long start = System.nanoTime();
        try {
            // a value written with its class and read back, and a key: the paths a first checkpoint and a restore take
            byte[] value = StateJson.OBJECT_WRITER.write(new Object[] {1L, "state"});
            StateJson.OBJECT_READER.readValue(value);
            StateJson.PLAIN.writeValueAsString(List.of("key"));
            LOG.debug("state mappers ready in {} ms", (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (RuntimeException | LinkageError failure) {
            LOG.debug("warming up the state mappers failed; the first record builds them", failure);
            return false;
        }
    }
}
