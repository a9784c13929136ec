package io.onceflow.chaos.processor;

import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The processor's {@link ProtocolListener}: halts the JVM, as a SIGKILL would, when the armed point is reached for the
 * n-th time, and reports the rebalances and restores it sees.
 *
 * <p>{@code Runtime.halt} runs no shutdown hook and flushes nothing: the Kafka clients, the database connections and
 * the open transactions are left as a killed process leaves them. The exit code names the point
 * ({@link #exitCode}), so the campaign knows where each processor died. Before halting it prints one line, flushed,
 * for the processor's log.
 */
public final class CrashSwitch implements ProtocolListener {

    /** Exit codes from here up are halts at a protocol point: the code minus this is the point's ordinal. */
    public static final int FIRST_EXIT_CODE = 100;

    private final @Nullable ProtocolPoint armed;
    private final int after;
    private final PrintStream out;
    private final AtomicInteger reached = new AtomicInteger();

    /**
     * @param armed where to halt, or {@code null} for never
     * @param after at the how-many-th time {@code armed} is reached
     * @param out where the campaign's lines go (the processor's standard output)
     */
    public CrashSwitch(@Nullable ProtocolPoint armed, int after, PrintStream out) {
        this.armed = armed;
        this.after = after;
        this.out = out;
    }

    /** The exit code of a processor halted at {@code point}. */
    public static int exitCode(ProtocolPoint point) {
        return FIRST_EXIT_CODE + point.ordinal();
    }

    /** The point an exit code names, or {@code null} when it names none. */
    public static @Nullable ProtocolPoint pointOf(int exitCode) {
        int ordinal = exitCode - FIRST_EXIT_CODE;
        ProtocolPoint[] points = ProtocolPoint.values();
        return ordinal >= 0 && ordinal < points.length ? points[ordinal] : null;
    }

    @Override
    public void reached(ProtocolPoint point, long checkpointId) {
        if (point == ProtocolPoint.DURING_REBALANCE || point == ProtocolPoint.DURING_RESTORE) {
            ProcessorLines.print(out, ProcessorLines.POINT, point.name());
        }
        haltIfDue(point, checkpointId);
    }

    /**
     * This switch for the other pipelines of the processor (the generated shapes): their protocol points count
     * towards the armed occurrence and may halt the processor, but print no lines, so that the campaign's statistics
     * and zombie watch stay the ledger's.
     */
    public ProtocolListener quiet() {
        return this::haltIfDue;
    }

    private void haltIfDue(ProtocolPoint point, long checkpointId) {
        if (point == armed && reached.incrementAndGet() == after) {
            ProcessorLines.print(
                    out, ProcessorLines.HALT, point.name() + " checkpoint=" + checkpointId + " occurrence=" + after);
            Runtime.getRuntime().halt(exitCode(point));
        }
    }
}
