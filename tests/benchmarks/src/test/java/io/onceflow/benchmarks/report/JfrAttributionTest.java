package io.onceflow.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JfrAttributionTest {

    private static String sample(String thread, String... frames) {
        StringBuilder text = new StringBuilder(
                        "jdk.ExecutionSample {\n  startTime = 05:00:00.000\n  sampledThread = \"")
                .append(thread)
                .append("\" (javaThreadId = 1)\n  state = \"STATE_RUNNABLE\"\n  stackTrace = [\n");
        for (String frame : frames) {
            text.append("    ").append(frame).append("(Object) line: 1\n");
        }
        return text.append("    ...\n  ]\n}\n").toString();
    }

    @Test
    void aSampleGoesToTheInnermostOnceflowLibraryFrameAndOthersApart() {
        String printed = sample(
                        "onceflow-kafka-x",
                        "java.util.concurrent.ConcurrentLinkedDeque.linkLast",
                        "tools.jackson.databind.ObjectWriter.writeValueAsBytes",
                        "io.onceflow.kafka.internal.JsonFormat.encode",
                        "io.onceflow.kafka.internal.TransactionalWriter.encode")
                + sample("onceflow-kafka-x", "io.onceflow.kafka.internal.JsonFormat.encode")
                + sample(
                        "main",
                        "io.onceflow.kafka.internal.JsonFormat.encode",
                        "io.onceflow.benchmarks.kafka.KafkaLedgerBenchmark.produce")
                + sample("main", "io.onceflow.benchmarks.kafka.KafkaLedgerBenchmark.produce")
                + sample("broker", "org.apache.kafka.common.record.DefaultRecord.readFrom");
        Map<String, Integer> counts = JfrAttribution.attribute(printed);
        assertThat(counts.get("io.onceflow.kafka.internal.JsonFormat.encode")).isEqualTo(2);
        assertThat(counts.get(JfrAttribution.NONE)).isEqualTo(3); // the main thread's producer is the harness
        assertThat(counts.get("total")).isEqualTo(5);
        assertThat(counts.keySet().iterator().next()).isEqualTo(JfrAttribution.NONE);
        assertThat(JfrAttribution.table(counts, 5)).contains("5 samples in all").contains("40.0%");
    }
}
