package io.onceflow.demo;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the demo reads from {@code onceflow.*} (application.yml, {@code --onceflow.x=y}, or environment variables
 * such as {@code ONCEFLOW_KAFKA_BOOTSTRAP_SERVERS}). Checked at start-up: a wrong value stops the application with a
 * message naming the property, its value and the rule it breaks.
 *
 * <p>PostgreSQL is configured with Spring Boot's own {@code spring.r2dbc.url}, {@code username} and {@code password};
 * without a URL the demo starts an embedded PostgreSQL.
 *
 * @param kafka the cluster and topics
 * @param pipeline the ledger pipeline's settings
 * @param demo the load generator, the crash button and the batch mode
 * @since 0.1
 */
@Validated
@ConfigurationProperties("onceflow")
public record DemoProperties(
        @DefaultValue @Valid Kafka kafka,
        @DefaultValue @Valid PipelineSettings pipeline,
        @DefaultValue @Valid Demo demo) {

    /**
     * The Kafka cluster and the ledger's topics.
     *
     * @param bootstrapServers the cluster; empty (the default) starts an embedded broker on 127.0.0.1
     * @param paymentsTopic where payments arrive; defaults to {@code payments}
     * @param ledgerTopic one entry per applied payment, the pipeline's commit point; defaults to {@code ledger}
     * @param deadLetterTopic invalid payments, with why; defaults to {@code payments-dead-letters}
     * @param partitions partitions of the payments and ledger topics when the demo creates them; defaults to 4
     * @param startupTimeout how long start-up waits for the cluster to answer; defaults to 30 s
     */
    public record Kafka(
            @DefaultValue("") String bootstrapServers,

            @DefaultValue("payments") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
            String paymentsTopic,

            @DefaultValue("ledger") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
            String ledgerTopic,

            @DefaultValue("payments-dead-letters") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
            String deadLetterTopic,

            @DefaultValue("4") @Min(1) @Max(1000) int partitions,
            @DefaultValue("30s") @NotNull Duration startupTimeout) {

        /** Whether a cluster is configured; otherwise the demo starts its own. */
        public boolean configured() {
            return !bootstrapServers.isBlank();
        }
    }

    /**
     * The ledger pipeline.
     *
     * @param name the pipeline's name: its consumer group, transactional id prefix and meter tag; defaults to
     *     {@code ledger}
     * @param instanceId this instance's id, stable across restarts; defaults to {@code 0}
     * @param checkpointEvery the time between checkpoints; defaults to 500 ms
     * @param maxCheckpointAge the health indicator reports DOWN when the last completed checkpoint is older;
     *     defaults to 30 s
     * @param maxRestarts consecutive restarts before the pipeline gives up; defaults to 20
     */
    public record PipelineSettings(
            @DefaultValue("ledger") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
            String name,

            @DefaultValue("0") @NotBlank String instanceId,
            @DefaultValue("500ms") @NotNull Duration checkpointEvery,
            @DefaultValue("30s") @NotNull Duration maxCheckpointAge,
            @DefaultValue("20") @Min(0) long maxRestarts) {

        @AssertTrue(message = "checkpoint-every must be positive, and below max-checkpoint-age")
        boolean isCheckpointEveryBelowMaxCheckpointAge() {
            return checkpointEvery.compareTo(Duration.ZERO) > 0 && checkpointEvery.compareTo(maxCheckpointAge) < 0;
        }
    }

    /**
     * The demo's own switches.
     *
     * @param generator the built-in load generator
     * @param crashEnabled whether {@code POST /pipeline/crash} may kill the pipeline; defaults to false
     * @param crashDowntime how long a crashed pipeline stays down before it restarts; defaults to 1 s
     * @param events batch mode: send this many payments, print the audit and exit; 0 (the default) runs the server
     * @param batchRate payments per second in batch mode; defaults to 1,000
     * @param batchCrashes at most this many crashes, injected while the payments are being sent; defaults to 3
     * @param batchTimeout how long a batch may take before it is reported as failed; defaults to 5 minutes
     */
    public record Demo(
            @DefaultValue @Valid Generator generator,
            @DefaultValue("false") boolean crashEnabled,
            @DefaultValue("1s") @NotNull Duration crashDowntime,
            @DefaultValue("0") @Min(0) @Max(100_000_000) long events,
            @DefaultValue("1000") @Min(1) @Max(1_000_000) int batchRate,
            @DefaultValue("3") @Min(0) @Max(100) int batchCrashes,
            @DefaultValue("5m") @NotNull Duration batchTimeout) {

        /** Whether the application runs a batch and exits, rather than serving. */
        public boolean batch() {
            return events > 0;
        }
    }

    /**
     * The load generator: payments over a set of accounts, a share of them invalid (they end as dead letters).
     *
     * @param enabled whether it runs when the application serves; defaults to true
     * @param rate payments per second; defaults to 200
     * @param count payments to send before it stops; 0 (the default) for no limit
     * @param accounts how many accounts the payments spread over; defaults to 50
     * @param invalidShare the share of invalid payments, from 0 to 1; defaults to 0.02
     */
    public record Generator(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("200") @Min(1) @Max(1_000_000) int rate,
            @DefaultValue("0") @Min(0) long count,
            @DefaultValue("50") @Min(1) @Max(1_000_000) int accounts,

            @DefaultValue("0.02") @DecimalMin("0") @DecimalMax("1")
            double invalidShare) {}

    private static final String TOPIC = "[A-Za-z0-9._-]{1,200}";
    private static final String TOPIC_MESSAGE = "must be 1 to 200 letters, digits, '.', '_' or '-'";
}
