package io.onceflow.chaos.processor;

import static java.util.Objects.requireNonNull;

import io.onceflow.chaos.group.GroupMembership;
import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.core.ProtocolPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.jspecify.annotations.Nullable;

/**
 * How one processor runs, from its command line: {@code --name=value} arguments.
 *
 * <pre>
 *   --variant=KAFKA | POSTGRES | BROKEN_OFFSETS_FIRST | BROKEN_NOT_IDEMPOTENT   required
 *   --bootstrap=127.0.0.1:9092                                                  required
 *   --r2dbc=r2dbc:postgresql://user@127.0.0.1:5432/db                           required
 *   --instance=1                      the pipeline's instance id; defaults to 0
 *   --crash-at=AFTER_FLUSH:7          halt at the 7th time the point is reached; defaults to never
 *   --checkpoint-ms=300               the checkpoint interval; defaults to 300
 *   --session-timeout-ms=6000         the consumer's group session timeout; defaults to 6000
 *   --group-protocol=CONSUMER         the consumer group protocol, CLASSIC or CONSUMER; defaults to CLASSIC
 *   --shapes=42:20                    also run this job's share of the 20 generated shapes of seed 42; none by default
 * </pre>
 *
 * @param variant which ledger job
 * @param bootstrapServers the Kafka cluster
 * @param r2dbcUrl the PostgreSQL database, with its credentials
 * @param instanceId the pipeline's instance id: stable across this instance's restarts
 * @param crashPoint where to halt, or {@code null} for never
 * @param crashAfter at the how-many-th time {@code crashPoint} is reached
 * @param checkpointInterval the pipeline's checkpoint interval
 * @param sessionTimeout the consumer's session timeout: how long a frozen processor stays in its group
 * @param groupProtocol the consumer group protocol of its sources
 * @param shapeSeed the seed of the generated shapes the processor runs beside the ledger
 * @param shapeCount how many shapes the campaign generated; the processor runs those whose commit point is its job's
 */
public record ProcessorSettings(
        LedgerVariant variant,
        String bootstrapServers,
        String r2dbcUrl,
        String instanceId,
        @Nullable ProtocolPoint crashPoint,
        int crashAfter,
        Duration checkpointInterval,
        Duration sessionTimeout,
        GroupProtocol groupProtocol,
        long shapeSeed,
        int shapeCount) {

    /** The consumer's session timeout unless set: a frozen processor leaves its group after this. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(6);

    public ProcessorSettings {
        requireNonNull(variant, "variant");
        requireNonNull(bootstrapServers, "bootstrapServers");
        requireNonNull(r2dbcUrl, "r2dbcUrl");
        requireNonNull(instanceId, "instanceId");
        requireNonNull(groupProtocol, "groupProtocol");
        if (crashAfter < 1) {
            throw new IllegalArgumentException("crashAfter must be >= 1, was " + crashAfter);
        }
    }

    /** Settings for an instance that never crashes by itself. */
    public static ProcessorSettings of(
            LedgerVariant variant, String bootstrapServers, String r2dbcUrl, String instanceId) {
        return new ProcessorSettings(
                variant,
                bootstrapServers,
                r2dbcUrl,
                instanceId,
                null,
                1,
                Duration.ofMillis(300),
                DEFAULT_SESSION_TIMEOUT,
                GroupProtocol.CLASSIC,
                0,
                0);
    }

    /** These settings, armed to halt at the {@code after}-th time the protocol reaches {@code point}. */
    public ProcessorSettings crashingAt(ProtocolPoint point, int after) {
        return new ProcessorSettings(
                variant,
                bootstrapServers,
                r2dbcUrl,
                instanceId,
                point,
                after,
                checkpointInterval,
                sessionTimeout,
                groupProtocol,
                shapeSeed,
                shapeCount);
    }

    /** These settings, running also the {@code count} generated shapes of {@code seed} that are this job's. */
    public ProcessorSettings withShapes(long seed, int count) {
        return new ProcessorSettings(
                variant,
                bootstrapServers,
                r2dbcUrl,
                instanceId,
                crashPoint,
                crashAfter,
                checkpointInterval,
                sessionTimeout,
                groupProtocol,
                seed,
                count);
    }

    /** These settings, with the sources in consumer groups of {@code protocol}. */
    public ProcessorSettings withGroupProtocol(GroupProtocol protocol) {
        return new ProcessorSettings(
                variant,
                bootstrapServers,
                r2dbcUrl,
                instanceId,
                crashPoint,
                crashAfter,
                checkpointInterval,
                sessionTimeout,
                protocol,
                shapeSeed,
                shapeCount);
    }

    /** How the processor's sources belong to their groups. */
    public GroupMembership membership() {
        return new GroupMembership(groupProtocol, sessionTimeout);
    }

    /** The settings a command line gives. */
    public static ProcessorSettings parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (!arg.startsWith("--") || equals < 0) {
                throw new IllegalArgumentException("arguments are --name=value, not '" + arg + "'");
            }
            values.put(arg.substring(2, equals), arg.substring(equals + 1));
        }
        ProtocolPoint point = null;
        int after = 1;
        String crash = values.get("crash-at");
        if (crash != null && !crash.isEmpty()) {
            String[] parts = crash.split(":", 2);
            point = ProtocolPoint.valueOf(parts[0].toUpperCase(Locale.ROOT));
            after = parts.length == 2 ? Integer.parseInt(parts[1]) : 1;
        }
        String[] shapes = values.getOrDefault("shapes", "0:0").split(":", 2);
        return new ProcessorSettings(
                LedgerVariant.valueOf(required(values, "variant").toUpperCase(Locale.ROOT)),
                required(values, "bootstrap"),
                required(values, "r2dbc"),
                values.getOrDefault("instance", "0"),
                point,
                after,
                Duration.ofMillis(Long.parseLong(values.getOrDefault("checkpoint-ms", "300"))),
                Duration.ofMillis(Long.parseLong(
                        values.getOrDefault("session-timeout-ms", String.valueOf(DEFAULT_SESSION_TIMEOUT.toMillis())))),
                GroupProtocol.valueOf(
                        values.getOrDefault("group-protocol", "CLASSIC").toUpperCase(Locale.ROOT)),
                Long.parseLong(shapes[0]),
                Integer.parseInt(shapes[1]));
    }

    /** The command line that {@link #parse} turns back into these settings. */
    public List<String> toArguments() {
        List<String> args = new ArrayList<>();
        args.add("--variant=" + variant);
        args.add("--bootstrap=" + bootstrapServers);
        args.add("--r2dbc=" + r2dbcUrl);
        args.add("--instance=" + instanceId);
        if (crashPoint != null) {
            args.add("--crash-at=" + crashPoint + ":" + crashAfter);
        }
        args.add("--checkpoint-ms=" + checkpointInterval.toMillis());
        args.add("--session-timeout-ms=" + sessionTimeout.toMillis());
        args.add("--group-protocol=" + groupProtocol);
        if (shapeCount > 0) {
            args.add("--shapes=" + shapeSeed + ":" + shapeCount);
        }
        return args;
    }

    private static String required(Map<String, String> values, String name) {
        String value = values.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("--" + name + "=... is required");
        }
        return value;
    }
}
