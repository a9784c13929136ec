package io.onceflow.chaos.processor;

import java.io.PrintStream;

/**
 * The lines a processor prints for the campaign, among its log lines: {@code CHAOS <kind> <detail>}. The campaign
 * reads them from the processor's log; nothing else in the log is parsed.
 */
public final class ProcessorLines {

    /** Every campaign line starts with this. */
    public static final String PREFIX = "CHAOS ";

    /** The processor is up: {@code CHAOS started <settings>}. */
    public static final String STARTED = "started";

    /** A rare protocol point was reached: {@code CHAOS point DURING_REBALANCE}. */
    public static final String POINT = "point";

    /** Halting at the armed point: {@code CHAOS halt AFTER_FLUSH checkpoint=12 occurrence=3}. */
    public static final String HALT = "halt";

    /** The pipeline restarted after a failure: {@code CHAOS restart <n> <cause>}. */
    public static final String RESTART = "restart";

    /** A checkpoint failed: {@code CHAOS failed <checkpoint> <cause>}. */
    public static final String FAILED = "failed";

    /** The pipeline stopped for good and the processor exits: {@code CHAOS stopped <cause>}. */
    public static final String STOPPED = "stopped";

    private ProcessorLines() {}

    /** Prints one line and flushes it: the next thing may be a halt. */
    static void print(PrintStream out, String kind, String detail) {
        synchronized (out) {
            out.println(PREFIX + kind + " " + detail.replace('\n', ' '));
            out.flush();
        }
    }
}
