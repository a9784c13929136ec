package io.onceflow.benchmarks.report;

import io.onceflow.benchmarks.report.ReportRenderer.Input;
import java.util.ArrayList;
import java.util.List;

/** The report's chart, {@code docs/benchmarks.svg}. */
public final class ReportChart {

    private ReportChart() {}

    /** The chart: throughput of each comparison, Onceflow in blue, the baselines in grey, Kafka Streams in orange. */
    public static String chart(Input in) {
        PartResults kafka = in.part("kafka");
        List<BarChart.Bar> kafkaBars = new ArrayList<>();
        for (String[] variant : ReportRenderer.KAFKA_VARIANTS) {
            kafkaBars.add(new BarChart.Bar(
                    variant[1],
                    kafka.num(variant[0] + ".steady"),
                    variant[0].startsWith("eos")
                            ? BarChart.ONCEFLOW
                            : variant[0].startsWith("alo") ? BarChart.BASELINE : BarChart.OTHER));
        }
        PartResults pg = in.part("postgres");
        List<BarChart.Bar> pgBars = new ArrayList<>();
        for (String[] variant : ReportRenderer.POSTGRES_VARIANTS) {
            pgBars.add(new BarChart.Bar(
                    variant[1],
                    pg.num(variant[0] + ".rate"),
                    variant[0].startsWith("a") ? BarChart.ONCEFLOW : BarChart.BASELINE));
        }
        List<BarChart.Bar> latencyBars = new ArrayList<>();
        for (String sink : List.of("kafka", "postgres")) {
            for (String interval : List.of("100", "1000")) {
                PartResults part = in.part("latency-" + sink + "-" + interval);
                latencyBars.add(new BarChart.Bar(
                        (sink.equals("kafka") ? "Kafka→Kafka" : "Kafka→PostgreSQL") + ", " + interval
                                + " ms, p99 at 50% load",
                        part.num("load50.p99_ms"),
                        BarChart.ONCEFLOW));
                latencyBars.add(new BarChart.Bar(
                        "goal: interval + 50 ms", Double.parseDouble(interval) + 50, BarChart.BASELINE));
            }
        }
        return BarChart.svg(
                "Onceflow benchmarks (" + in.mode() + " mode)",
                List.of(
                        new BarChart.Panel("Kafka to Kafka, steady state", "records/s", kafkaBars),
                        new BarChart.Panel("Kafka to PostgreSQL", "records/s", pgBars),
                        new BarChart.Panel("End-to-end latency", "ms", latencyBars)));
    }
}
