package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Batch mode, as the README runs it: the application sends the payments, crashes its pipeline on the way, prints the
 * progress and the audit table, and reports an exact audit with exit code 0.
 */
@ExtendWith(OutputCaptureExtension.class)
class BatchModeTest {

    @Test
    void aBatchWithCrashesEndsWithAnExactAudit(CapturedOutput output) {
        int exitCode;
        long crashes;
        try (ConfigurableApplicationContext context = LedgerApplication.start(
                "--onceflow.demo.events=4000", "--onceflow.demo.batch-crashes=2", "--onceflow.demo.batch-rate=800")) {
            assertThat(context.getEnvironment().getProperty("local.server.port"))
                    .as("no web server")
                    .isNull();
            exitCode = context.getBean(BatchRun.class).getExitCode();
            crashes = context.getBean(CrashInjector.class).crashes();
        }
        assertThat(output.getOut())
                .contains("Sending 4,000 payments")
                .contains("4,000 of 4,000 payments through the ledger")
                .contains("| payments sent (acknowledged by Kafka)")
                .contains("| duplicates (effects without a payment)")
                .containsPattern("\\| in flight +\\| +0 \\|")
                .contains("AUDIT EXACT");
        assertThat(exitCode).isZero();
        assertThat(crashes).isPositive();
    }

    @Test
    void batchModeIsAskedForWithEvents() {
        assertThat(LedgerApplication.batch("--onceflow.demo.events=10")).isTrue();
        assertThat(LedgerApplication.batch("--onceflow.demo.events=0")).isFalse();
        assertThat(LedgerApplication.batch("--onceflow.demo.crash-enabled=true"))
                .isFalse();
    }
}
