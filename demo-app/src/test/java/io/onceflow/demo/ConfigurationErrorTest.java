package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A wrong setting stops the application at start-up with a message that names it: what a person sees in the
 * terminal. Servers are configured at addresses where nothing listens, so nothing embedded starts.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationErrorTest {

    @Test
    void anOutOfRangeValueIsNamedWithItsRule(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(args("--onceflow.demo.generator.invalid-share=2")));
        assertThat(output.getOut())
                .contains("APPLICATION FAILED TO START")
                // Boot names a record's component as the record does
                .contains("Property: onceflow.demo.generator.invalidShare")
                .contains("Value: \"2.0\"")
                .contains("Reason: must be less than or equal to 1");
    }

    @Test
    void aNegativeCheckpointIntervalNamesThePropertyTheValueAndTheRule(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(args("--onceflow.pipeline.checkpoint-every=-5s")));
        assertThat(output.getOut())
                .contains("APPLICATION FAILED TO START")
                .contains("Invalid value '-5s' for configuration property 'onceflow.pipeline.checkpoint-every'")
                .contains("must be zero (no checkpoint by time) or positive, and shorter than"
                        + " onceflow.pipeline.max-checkpoint-age (30s)")
                .doesNotContain("checkpointEveryBelowMaxCheckpointAge")
                .doesNotContain("Kafka: ");
    }

    @Test
    void aCheckpointIntervalAboveTheHealthThresholdIsRefused(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(
                args("--onceflow.pipeline.checkpoint-every=1m", "--onceflow.pipeline.max-checkpoint-age=30s")));
        assertThat(output.getOut())
                .contains("Invalid value '1m' for configuration property 'onceflow.pipeline.checkpoint-every'")
                .contains("shorter than onceflow.pipeline.max-checkpoint-age (30s)");
    }

    @Test
    void aMisspeltPropertyStopsTheApplicationAndTheRightOneIsSuggested(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(args("--onceflow.pipeline.chekpoint-every=5s")));
        assertThat(output.getOut())
                .contains("APPLICATION FAILED TO START")
                .contains("Onceflow does not know this property")
                .contains("Property: onceflow.pipeline.chekpoint-every")
                .contains("Value: \"5s\"")
                .contains("Did you mean: onceflow.pipeline.checkpoint-every")
                .doesNotContain("Kafka: ");
    }

    @Test
    void aMisspeltDemoPropertyIsTheDemosToReport(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(args("--onceflow.demo.crash-enabeld=true")));
        assertThat(output.getOut()).contains("onceflow.demo.crash-enabeld");
    }

    @Test
    void aBusyPortIsNamedBeforeAnythingStarts(CapturedOutput output) throws IOException {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            List<String> args = new ArrayList<>(List.of(
                    "--server.address=127.0.0.1",
                    "--server.port=" + busy.getLocalPort(),
                    "--onceflow.demo.generator.enabled=false"));
            long start = System.nanoTime();
            assertThatThrownBy(() -> LedgerApplication.start(args.toArray(String[]::new)));
            assertThat((System.nanoTime() - start) / 1_000_000)
                    .as("milliseconds")
                    .isLessThan(10_000);
        }
        assertThat(output.getOut())
                .contains("APPLICATION FAILED TO START")
                .contains("is already in use")
                .contains("--server.port=8081")
                .doesNotContain("starting an embedded broker");
    }

    @Test
    void aKafkaThatDoesNotAnswerIsNamed(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(args("--onceflow.demo.kafka.startup-timeout=2s")))
                .hasStackTraceContaining(
                        "Kafka at 127.0.0.1:9 did not answer within 2 s: check onceflow.kafka.bootstrap-servers");
    }

    private static String[] args(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--onceflow.kafka.bootstrap-servers=127.0.0.1:9",
                "--spring.r2dbc.url=r2dbc:postgresql://postgres@127.0.0.1:9/nothing",
                "--server.port=0",
                "--onceflow.demo.generator.enabled=false"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }
}
