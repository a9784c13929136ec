package io.onceflow.demo;

import jakarta.validation.Valid;
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
 * The demo's own settings, {@code onceflow.demo.*} (application.yml, {@code --onceflow.demo.x=y}, or environment
 * variables such as {@code ONCEFLOW_DEMO_CRASHENABLED}). Checked at start-up: a wrong value stops the application with
 * a message naming the property, its value and the rule it breaks.
 *
 * <p>The pipeline's settings are Onceflow's own ({@code onceflow.pipeline.*}, {@code onceflow.runner.*},
 * {@code onceflow.kafka.bootstrap-servers}: see {@code OnceflowProperties} in reactive-spring), PostgreSQL is Spring
 * Boot's {@code spring.r2dbc.url}, {@code username} and {@code password}. Without a Kafka cluster or a database
 * configured, the demo starts an embedded one.
 *
 * @param kafka the ledger's topics
 * @param pipelineName the ledger pipeline's name: its consumer group, transactional id prefix and meter tag; defaults
 *     to {@code ledger}
 * @param generator the built-in load generator
 * @param crashEnabled whether {@code POST /pipeline/crash} may kill the pipeline; defaults to false
 * @param crashDowntime how long a crashed pipeline stays down before it starts again; defaults to 1 s
 * @param events batch mode: send this many payments, print the audit and exit; 0 (the default) runs the server
 * @param batchRate payments per second in batch mode; defaults to 1,000
 * @param batchCrashes at most this many crashes, injected while the payments are being sent; defaults to 3
 * @param batchTimeout how long a batch may take before it is reported as failed; defaults to 5 minutes
 * @param http the HTTP server's timeouts
 * @since 0.1
 */
@Validated
@ConfigurationProperties(prefix = "onceflow.demo", ignoreUnknownFields = false)
public record DemoProperties(
        @DefaultValue @Valid Kafka kafka,

        @DefaultValue("ledger") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
        String pipelineName,

        @DefaultValue @Valid Generator generator,
        @DefaultValue("false") boolean crashEnabled,
        @DefaultValue("1s") @NotNull Duration crashDowntime,
        @DefaultValue("0") @Min(0) @Max(100_000_000) long events,
        @DefaultValue("1000") @Min(1) @Max(1_000_000) int batchRate,
        @DefaultValue("3") @Min(0) @Max(100) int batchCrashes,
        @DefaultValue("5m") @NotNull Duration batchTimeout,
        @DefaultValue @Valid Http http) {

    /** Whether the application runs a batch and exits, rather than serving. */
    public boolean batch() {
        return events > 0;
    }

    /**
     * The ledger's topics. The cluster is Onceflow's {@code onceflow.kafka.bootstrap-servers} (or Spring Boot's
     * {@code spring.kafka.bootstrap-servers}); with neither, the demo starts an embedded broker on 127.0.0.1.
     *
     * @param paymentsTopic where payments arrive; defaults to {@code payments}
     * @param ledgerTopic one entry per applied payment, the pipeline's commit point; defaults to {@code ledger}
     * @param deadLetterTopic invalid payments, with why; defaults to {@code payments-dead-letters}
     * @param partitions partitions of the payments and ledger topics when the demo creates them; defaults to 4
     * @param startupTimeout how long start-up waits for the cluster to answer; defaults to 30 s
     */
    public record Kafka(
            @DefaultValue("payments") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
            String paymentsTopic,

            @DefaultValue("ledger") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
            String ledgerTopic,

            @DefaultValue("payments-dead-letters") @NotBlank @Pattern(regexp = TOPIC, message = TOPIC_MESSAGE)
            String deadLetterTopic,

            @DefaultValue("4") @Min(1) @Max(1000) int partitions,
            @DefaultValue("30s") @NotNull Duration startupTimeout) {}

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

    /**
     * The HTTP server's timeouts (Reactor Netty), so that a slow or stalled client is closed rather than held; the
     * idle keep-alive timeout is Spring Boot's {@code server.netty.idle-timeout}.
     *
     * @param readTimeout the longest pause between two reads of a request; defaults to 10 s
     * @param requestTimeout the longest a request (headers and body) may take to arrive; defaults to 30 s
     */
    public record Http(
            @DefaultValue("10s") @NotNull Duration readTimeout,
            @DefaultValue("30s") @NotNull Duration requestTimeout) {}

    private static final String TOPIC = "[A-Za-z0-9._-]{1,200}";
    private static final String TOPIC_MESSAGE = "must be 1 to 200 letters, digits, '.', '_' or '-'";
}
