package io.onceflow.demo;

import java.io.PrintStream;

/**
 * A progress bar for the terminal: redrawn in place on a console, one line per tenth when the output is a file or a
 * pipe (a CI log stays readable).
 *
 * <pre>
 *   [##############----------------]  47%  4,700 of 10,000 payments through the ledger  · 1 crash
 * </pre>
 *
 * @since 0.1
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final long total;
    private final boolean console;
    private int lastTenth = -1;

    ProgressBar(PrintStream out, long total, boolean console) {
        this.out = out;
        this.total = Math.max(1, total);
        this.console = console;
    }

    /** Shows {@code done} of the total, with a note after it. */
    void show(long done, String note) {
        long shown = Math.min(done, total);
        int percent = (int) (shown * 100 / total);
        if (console) {
            out.print("\r" + line(shown, percent, note) + "   ");
            out.flush();
        } else if (percent / 10 > lastTenth) {
            lastTenth = percent / 10;
            out.println(line(shown, percent, note));
        }
    }

    /** Ends the bar's line. */
    void finish() {
        if (console) {
            out.println();
        }
    }

    private String line(long shown, int percent, String note) {
        int filled = (int) (shown * WIDTH / total);
        return "[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] "
                + String.format("%3d%%  %,d of %,d payments through the ledger%s", percent, shown, total, note);
    }
}
