package io.onceflow.spring;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Everything Onceflow reads from {@code onceflow.*}: application.yml, {@code --onceflow.x=y}, or environment variables
 * such as {@code ONCEFLOW_PIPELINE_CHECKPOINTEVERY}. Checked before any bean is created: a wrong value stops the
 * application with the property, the value and the rule it breaks, and a property under {@code onceflow.} that
 * nothing binds (a typo such as {@code onceflow.pipeline.chekpoint-every}) stops it too, unless
 * {@code onceflow.fail-on-unknown-properties} is false.
 *
 * <p>An application may keep settings of its own under {@code onceflow.}, in a {@code @ConfigurationProperties} class
 * of its own with a longer prefix ({@code onceflow.demo}, say): names under that prefix are its to check. Names under
 * {@code onceflow.test.} and {@code onceflow.infra.} belong to Onceflow's test tooling, and {@code onceflow.version} to
 * a build (Maven hands {@code -D} properties to the test JVM): they are left alone.
 *
 * <pre>
 * onceflow:
 *   pipeline:                     # defaults of every pipeline built with OnceflowPipelines
 *     checkpoint-every: 500ms
 *     max-checkpoint-age: 30s     # health DOWN beyond it; an idle pipeline is checkpointed at a third of it
 *     restart:
 *       max-attempts: 20
 *   runner:
 *     shutdown-timeout: 30s       # how long the final checkpoint may take on shutdown
 *   kafka:
 *     bootstrap-servers: kafka:9092   # defaults to spring.kafka.bootstrap-servers
 * </pre>
 *
 * @param enabled Whether Onceflow's auto-configuration applies. Defaults to true.
 * @param failOnUnknownProperties Whether a property under 'onceflow.' that nothing binds stops the application;
 *     when false it is logged as a warning. Defaults to true.
 * @param pipeline Settings of every pipeline built with OnceflowPipelines, and the checkpoint age the runner and the
 *     health indicator hold every pipeline to.
 * @param runner How the pipelines run with the application.
 * @param kafka The Kafka cluster, when reactive-kafka is on the classpath.
 * @param postgres Onceflow's tables, when reactive-sinks is on the classpath and the application has an R2DBC
 *     ConnectionFactory.
 * @since 0.1
 */
@ConfigurationProperties(OnceflowProperties.PREFIX)
public record OnceflowProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("true") boolean failOnUnknownProperties,
        @DefaultValue PipelineSettings pipeline,
        @DefaultValue Runner runner,
        @DefaultValue Kafka kafka,
        @DefaultValue Postgres postgres) {

    /** The prefix of every Onceflow property. */
    public static final String PREFIX = "onceflow";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern SCHEMA = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Pattern SERVER = Pattern.compile("[^\\s:,]+:\\d{1,5}");

    /** The defaults: what an application without any {@code onceflow.*} property gets. */
    public static OnceflowProperties defaults() {
        return new OnceflowProperties(
                true, true, PipelineSettings.defaults(), Runner.defaults(), Kafka.defaults(), Postgres.defaults());
    }

    /**
     * The settings of a pipeline: those {@link OnceflowPipelines} applies when it builds one (code may change them
     * after), and the checkpoint age that every pipeline the runner runs is held to.
     *
     * @param instanceId This instance's id: stable across restarts, distinct between the instances of one pipeline.
     *     Defaults to 0.
     * @param checkpointEvery Time between checkpoints, zero for none by time. Must be shorter than
     *     max-checkpoint-age. Defaults to 1s.
     * @param checkpointAfterRecords Records that trigger a checkpoint early, zero for no bound. Defaults to 0.
     * @param checkpointAfterBytes Source bytes that trigger a checkpoint early, zero for no bound. Defaults to 0.
     * @param maxConcurrentCheckpoints Checkpoints in flight at once. Defaults to 1.
     * @param checkpointTimeout How long a checkpoint may take before it fails the run. Defaults to 60s.
     * @param revocationGracePeriod How long a revoked partition may wait for its final checkpoint. Defaults to 10s.
     * @param maxCheckpointAge Oldest the last completed checkpoint of a running pipeline may be: its health is DOWN
     *     beyond it, and an idle pipeline is checkpointed once its last checkpoint is older than a third of it.
     *     Applies to every pipeline the runner runs. Defaults to 30s.
     * @param restart How a failed run restarts.
     */
    public record PipelineSettings(
            @DefaultValue("0") String instanceId,
            @DefaultValue("1s") Duration checkpointEvery,
            @DefaultValue("0") long checkpointAfterRecords,
            @DefaultValue("0") long checkpointAfterBytes,
            @DefaultValue("1") int maxConcurrentCheckpoints,
            @DefaultValue("60s") Duration checkpointTimeout,
            @DefaultValue("10s") Duration revocationGracePeriod,
            @DefaultValue("30s") Duration maxCheckpointAge,
            @DefaultValue Restart restart) {

        private static final String AT = PREFIX + ".pipeline.";

        public PipelineSettings {
            check(
                    NAME.matcher(instanceId).matches(),
                    AT + "instance-id",
                    instanceId,
                    "must be 1 to 100 letters, digits, '.', '_' or '-'");
            check(
                    maxCheckpointAge.compareTo(Duration.ofMillis(3)) >= 0,
                    AT + "max-checkpoint-age",
                    maxCheckpointAge,
                    "must be at least 3 ms (a third of it is the idle pipeline's checkpoint interval)");
            check(
                    !checkpointEvery.isNegative() && checkpointEvery.compareTo(maxCheckpointAge) < 0,
                    AT + "checkpoint-every",
                    checkpointEvery,
                    "must be zero (no checkpoint by time) or positive, and shorter than " + AT + "max-checkpoint-age ("
                            + text(maxCheckpointAge) + ")");
            check(
                    checkpointAfterRecords >= 0,
                    AT + "checkpoint-after-records",
                    checkpointAfterRecords,
                    "must be zero (no bound) or positive");
            check(
                    checkpointAfterBytes >= 0,
                    AT + "checkpoint-after-bytes",
                    checkpointAfterBytes,
                    "must be zero (no bound) or positive");
            check(
                    maxConcurrentCheckpoints >= 1,
                    AT + "max-concurrent-checkpoints",
                    maxConcurrentCheckpoints,
                    "must be at least 1");
            check(
                    checkpointTimeout.compareTo(Duration.ZERO) > 0,
                    AT + "checkpoint-timeout",
                    checkpointTimeout,
                    "must be positive");
            check(
                    !revocationGracePeriod.isNegative(),
                    AT + "revocation-grace-period",
                    revocationGracePeriod,
                    "must be zero or positive");
        }

        static PipelineSettings defaults() {
            return new PipelineSettings(
                    "0",
                    Duration.ofSeconds(1),
                    0,
                    0,
                    1,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(30),
                    Restart.defaults());
        }

        /** How often the runner checks that an idle pipeline still checkpoints: a third of the maximum age. */
        public Duration keepAliveInterval() {
            return maxCheckpointAge.dividedBy(3);
        }
    }

    /**
     * How a failed run restarts: exponential backoff with jitter, a bounded number of consecutive attempts. The
     * attempt count resets after every completed checkpoint.
     *
     * @param maxAttempts Consecutive restarts before the pipeline gives up. Defaults to 10.
     * @param minBackoff First backoff. Defaults to 1s.
     * @param maxBackoff Longest backoff. Defaults to 1m.
     * @param jitter Random share of each backoff, from 0 to 1. Defaults to 0.5.
     */
    public record Restart(
            @DefaultValue("10") long maxAttempts,
            @DefaultValue("1s") Duration minBackoff,
            @DefaultValue("1m") Duration maxBackoff,
            @DefaultValue("0.5") double jitter) {

        private static final String AT = PREFIX + ".pipeline.restart.";

        public Restart {
            check(maxAttempts >= 0, AT + "max-attempts", maxAttempts, "must be zero (never restart) or positive");
            check(!minBackoff.isNegative(), AT + "min-backoff", minBackoff, "must be zero or positive");
            check(
                    maxBackoff.compareTo(minBackoff) >= 0,
                    AT + "max-backoff",
                    maxBackoff,
                    "must not be shorter than " + AT + "min-backoff (" + text(minBackoff) + ")");
            check(jitter >= 0 && jitter <= 1, AT + "jitter", jitter, "must be from 0 to 1");
        }

        static Restart defaults() {
            return new Restart(10, Duration.ofSeconds(1), Duration.ofMinutes(1), 0.5);
        }
    }

    /**
     * How the runner runs the application's {@code Pipeline} beans.
     *
     * @param startup When the pipelines start. Defaults to ready.
     * @param phase The runner's SmartLifecycle phase: on shutdown it stops after the beans of higher phases and
     *     before those of lower ones. Defaults to 2147483135 (Integer.MAX_VALUE - 512): after the beans of the
     *     default phase (a load generator, say), before the web server's graceful shutdown (Integer.MAX_VALUE -
     *     1024), the web server, and the connection pools (closed when the context destroys its beans).
     * @param shutdownTimeout How long stopping may take: the pipelines' final checkpoints, in parallel. A pipeline
     *     still stopping then is stopped abruptly, and its next run replays what its last checkpoint did not commit.
     *     Defaults to 30s.
     * @param keepAlive Whether the runner checkpoints an idle pipeline, so that its last checkpoint does not age.
     *     Defaults to true.
     * @param onFailure What the application does when a pipeline gives up: its restart policy is exhausted, or the
     *     failure is not retryable. Defaults to log.
     */
    public record Runner(
            @DefaultValue("ready") Startup startup,
            @DefaultValue("2147483135") int phase,
            @DefaultValue("30s") Duration shutdownTimeout,
            @DefaultValue("true") boolean keepAlive,
            @DefaultValue("log") OnFailure onFailure) {

        /** {@code Integer.MAX_VALUE - 512}. */
        public static final int DEFAULT_PHASE = Integer.MAX_VALUE - 512;

        private static final String AT = PREFIX + ".runner.";

        public Runner {
            check(
                    !shutdownTimeout.isNegative(),
                    AT + "shutdown-timeout",
                    shutdownTimeout,
                    "must be zero (stop abruptly) or positive");
        }

        static Runner defaults() {
            return new Runner(Startup.READY, DEFAULT_PHASE, Duration.ofSeconds(30), true, OnFailure.LOG);
        }
    }

    /** When the runner starts the pipelines. */
    public enum Startup {
        /** Once the application is ready ({@code ApplicationReadyEvent}): after the application runners. */
        READY,
        /** With the runner's lifecycle phase, while the context refreshes: before the application runners. */
        LIFECYCLE,
        /** When the application calls {@link OnceflowRunner#start()}. */
        MANUAL
    }

    /** What the application does when a pipeline gives up. */
    public enum OnFailure {
        /** Logs the failure; the pipeline's health is DOWN, the application keeps running. */
        LOG,
        /** Also marks the application's liveness BROKEN, for an orchestrator to restart it. */
        BREAK_LIVENESS,
        /** Also stops the application: the context closes (the other pipelines stop gracefully), exit status 1. */
        EXIT
    }

    /**
     * The Kafka cluster that {@link OnceflowKafka} hands to sources and sinks.
     *
     * @param bootstrapServers Brokers, as host:port. Defaults to spring.kafka.bootstrap-servers.
     * @param properties Client properties of every consumer, producer and admin client (security, SASL, timeouts),
     *     over those of spring.kafka.properties.
     * @param source How the sources' consumers take part in their groups.
     */
    public record Kafka(
            @DefaultValue List<String> bootstrapServers,
            @DefaultValue Map<String, String> properties,
            @DefaultValue KafkaSource source) {

        public Kafka {
            bootstrapServers = List.copyOf(bootstrapServers);
            properties = Map.copyOf(properties);
            for (String server : bootstrapServers) {
                check(
                        SERVER.matcher(server.trim()).matches(),
                        PREFIX + ".kafka.bootstrap-servers",
                        server,
                        "must be host:port, as many as needed, separated by commas");
            }
        }

        static Kafka defaults() {
            return new Kafka(List.of(), Map.of(), KafkaSource.defaults());
        }
    }

    /**
     * How the Kafka sources that {@link OnceflowKafka#sourceOptions()} starts take part in their consumer groups.
     *
     * @param staticMembership Whether a source's consumer joins its group as a static member, named after the
     *     pipeline and its instance id, so that an instance restarted after a crash takes its partitions back at once.
     *     Defaults to true.
     * @param leaveGroupOnClose Whether a source's consumer leaves its group when it closes. False keeps a static
     *     member's partitions, unread, until the instance starts again or its session expires: a rolling restart then
     *     moves no partition, under either group protocol. Defaults to true.
     */
    public record KafkaSource(
            @DefaultValue("true") boolean staticMembership,
            @DefaultValue("true") boolean leaveGroupOnClose) {

        static KafkaSource defaults() {
            return new KafkaSource(true, true);
        }
    }

    /**
     * Onceflow's own tables in PostgreSQL (offsets, state, checkpoints, state log), in the application's R2DBC database.
     *
     * @param schema Schema of Onceflow's tables; empty for the connection's search path. Defaults to empty.
     * @param createTables Whether the runner creates Onceflow's tables where they are missing before it starts the
     *     pipelines; otherwise create them with a migration tool (OnceflowTables.ddl()). Defaults to false.
     * @param deadLetterTables Dead-letter tables to create with them. Defaults to none.
     */
    public record Postgres(
            @DefaultValue("") String schema,
            @DefaultValue("false") boolean createTables,
            @DefaultValue List<String> deadLetterTables) {

        public Postgres {
            deadLetterTables = List.copyOf(deadLetterTables);
            check(
                    schema.isEmpty() || SCHEMA.matcher(schema).matches(),
                    PREFIX + ".postgres.schema",
                    schema,
                    "must be a PostgreSQL identifier: a letter or '_', then letters, digits or '_'");
        }

        static Postgres defaults() {
            return new Postgres("", false, List.of());
        }
    }

    private static void check(boolean valid, String property, @Nullable Object value, String rule) {
        if (!valid) {
            throw new InvalidConfigurationPropertyValueException(
                    property, value instanceof Duration d ? text(d) : value, rule);
        }
    }

    /** A duration as it is usually written in properties: 500ms, 30s, 2m. */
    static String text(Duration duration) {
        if (duration.toMillis() % 1000 != 0 || duration.isZero()) {
            return duration.toMillis() + "ms";
        }
        long seconds = duration.toSeconds();
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }
}
