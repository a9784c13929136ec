package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void aCheckpointIntervalAboveTheHealthThresholdIsRefused(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(
                args("--onceflow.pipeline.checkpoint-every=1m", "--onceflow.pipeline.max-checkpoint-age=30s")));
        assertThat(output.getOut())
                .contains("APPLICATION FAILED TO START")
                .contains("Property: onceflow.pipeline.checkpointEveryBelowMaxCheckpointAge")
                .contains("checkpoint-every must be positive, and below max-checkpoint-age");
    }

    @Test
    void aKafkaThatDoesNotAnswerIsNamed(CapturedOutput output) {
        assertThatThrownBy(() -> LedgerApplication.start(args("--onceflow.kafka.startup-timeout=2s")))
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
