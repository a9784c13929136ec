package io.onceflow.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A horizontal bar chart as a self-contained SVG document: one panel per group, each bar labelled with its value, so
 * that the chart needs no plotting library and diffs as text.
 */
public final class BarChart {

    /** One bar: its label, its value, and the colour that says what kind of engine it is. */
    public record Bar(String label, double value, String colour) {}

    /** A panel of bars on a common scale, with the unit of its values. */
    public record Panel(String title, String unit, List<Bar> bars) {}

    static final String ONCEFLOW = "#2b6cb0";
    static final String BASELINE = "#a0aec0";
    static final String OTHER = "#dd6b20";

    private static final int WIDTH = 860;
    private static final int LABEL_WIDTH = 330;
    private static final int BAR_HEIGHT = 20;
    private static final int GAP = 6;

    private BarChart() {}

    public static String svg(String title, List<Panel> panels) {
        List<String> body = new ArrayList<>();
        int y = 34;
        body.add(text(10, 22, title, "font-size=\"16\" font-weight=\"bold\""));
        for (Panel panel : panels) {
            y += 14;
            body.add(text(10, y, panel.title() + " (" + panel.unit() + ")", "font-size=\"13\" font-weight=\"bold\""));
            y += 8;
            double max = panel.bars().stream()
                    .mapToDouble(Bar::value)
                    .filter(Double::isFinite)
                    .max()
                    .orElse(1);
            int room = WIDTH - LABEL_WIDTH - 110;
            for (Bar bar : panel.bars()) {
                double value = Double.isFinite(bar.value()) ? bar.value() : 0;
                int length = max <= 0 ? 0 : (int) Math.round(room * value / max);
                body.add(text(LABEL_WIDTH - 6, y + 15, bar.label(), "font-size=\"12\" text-anchor=\"end\""));
                body.add(String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>",
                        LABEL_WIDTH,
                        y,
                        Math.max(length, 1),
                        BAR_HEIGHT,
                        bar.colour()));
                String figure = Double.isFinite(bar.value()) ? format(bar.value()) : "not measured";
                body.add(text(LABEL_WIDTH + length + 6, y + 15, figure, "font-size=\"12\""));
                y += BAR_HEIGHT + GAP;
            }
            y += 10;
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\">%n",
                WIDTH,
                y,
                WIDTH,
                y));
        svg.append(String.format("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"));
        body.forEach(line -> svg.append(line).append('\n'));
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** Thousands separated, no decimals from 100 up, two below. */
    static String format(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String text(int x, int y, String content, String attributes) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" %s>%s</text>", x, y, attributes, escape(content));
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
