package io.onceflow.benchmarks.report;

import io.onceflow.benchmarks.report.ReportRenderer.Input;
import java.util.Locale;

/** How the report writes its figures and commands. */
final class ReportFormat {

    private ReportFormat() {}

    static void command(StringBuilder md, Input in, String part) {
        String command = in.commands().get(part);
        if (command != null) {
            md.append("```\n").append(command).append("\n```\n\n");
        }
    }

    static void row(StringBuilder md, String measure, String value) {
        md.append("| ").append(measure).append(" | ").append(value).append(" |\n");
    }

    static String ratio(double ratio) {
        return Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f", ratio) : "not measured";
    }

    static String nanos(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.1f", value) : "not measured";
    }

    static String rate(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%,.0f", value) : "not measured";
    }

    static String millis(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.0f ms", value) : "not measured";
    }

    static String seconds(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f s", value) : "not reached";
    }
}
