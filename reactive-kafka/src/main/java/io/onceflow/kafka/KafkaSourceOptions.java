package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.kafka.internal.ClientProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a {@link KafkaSource}, validated when built.
 *
 * <p>Typed options cover what Onceflow relies on; any other consumer setting (security, timeouts, fetch sizes) goes
 * into {@link #consumerProperties()}, which may not repeat a typed option. Values of properties whose names look
 * secret (passwords, JAAS configs, keys, tokens) never appear in {@link #toString()}.
 *
 * <pre>{@code
 * KafkaSourceOptions<Payment> options = KafkaSourceOptions.builder()
 *         .bootstrapServers("localhost:9092")
 *         .groupId("ledger")
 *         .topic("payments")
 *         .valueFormat(Json.of(Payment.class))
 *         .build();
 * }</pre>
 *
 * @param bootstrapServers the brokers to connect to; required
 * @param groupId the consumer group; {@code null} (the default) for the pipeline's name. A Kafka sink made from
 *     this source ({@link KafkaSink#create(KafkaSource, KafkaSinkOptions, java.util.function.Function)}) commits
 *     for this group
 * @param topics the topics to read; at least one
 * @param recordFormat how records are decoded: {@link RecordFormat#value(Format)} of the
 *     {@link Builder#valueFormat(Format) value format} (by default {@link Format#bytes()}), or a
 *     {@link Builder#recordFormat(RecordFormat) record format} that also reads keys and headers
 * @param startPosition where a partition with no committed position starts; defaults to
 *     {@link StartPosition#EARLIEST}
 * @param readCommitted whether to read only committed transactional records ({@code isolation.level=read_committed});
 *     defaults to {@code true}
 * @param maxPollRecords records one poll returns at most ({@code max.poll.records}); defaults to {@code 500}
 * @param pollTimeout how long one poll waits for records; defaults to 100 milliseconds
 * @param assignTimeout how long claiming newly assigned partitions may take (fencing their previous owner and
 *     restoring their keyed state), while the consumer's poll thread waits; must stay below
 *     {@code max.poll.interval.ms}; defaults to 60 seconds
 * @param commitGroupOffsets whether to commit the group's offsets after each completed checkpoint, for lag tooling,
 *     when Kafka is not the pipeline's commit point; defaults to {@code true}
 * @param staticMembership whether the consumer joins its group as a static member (KIP-345), under the classic
 *     protocol (and under the consumer protocol when it stays in its group on close, below), with a
 *     {@code group.instance.id} made from the pipeline's name, its instance id and the source's name; defaults to
 *     {@code true}. A SIGKILLed consumer sends no {@code LeaveGroup}: as a dynamic member the restarted
 *     instance would get its partitions back only once the dead member's session expired ({@code
 *     session.timeout.ms}, 45 s by Kafka's default), as a static one it takes the dead member's place at once. A
 *     consumer that closes (the pipeline stops, or a run restarts) leaves the group either way unless
 *     {@code leaveGroupOnClose} is {@code false}, so a stopped instance's partitions move at once when you scale
 *     down. It follows the contract {@code instanceId} already has: one id per running instance (two instances
 *     sharing it fence each other's producers and replace each other in the group, and the older stops). A
 *     {@code group.instance.id} of your own in {@link #consumerProperties()} takes precedence. A static member
 *     killed while it hands partitions over (cooperative rebalancing revokes them first, and the member's rejoin
 *     hands them on) owes its group that rejoin; its successor, which takes its place without a rebalance, is told
 *     so by the source's assignor (Kafka's cooperative sticky one, which tells each member what it gives up) and
 *     rejoins, so that those partitions get an owner. An assignor of your own
 *     ({@code partition.assignment.strategy}) does not tell it. Under
 *     {@link GroupProtocol#CONSUMER} an id is made only when {@code leaveGroupOnClose} is {@code false}: there the
 *     broker refuses a crashed static member's successor until the dead one's session expires
 *     ({@code UNRELEASED_INSTANCE_ID}), so after a crash the id gains nothing (the restarted run retries until the
 *     session is over, where a dynamic member would join at once and wait as long for the dead one's partitions)
 * @param leaveGroupOnClose whether a consumer that closes (the pipeline stops, or a run restarts) leaves its group;
 *     defaults to {@code true}, so that the group moves a stopped instance's partitions to the others at once. With
 *     {@code false} a static member closes without a {@code LeaveGroup} and keeps its partitions, unread, until it
 *     starts again (it takes them back with no rebalance, and the other instances keep theirs throughout) or until its
 *     session expires ({@code session.timeout.ms}; the group then moves them). That is what a rolling restart wants:
 *     the restarted instance's partitions pause for its restart instead of moving away and back (each move a
 *     checkpoint where they are given up and a restore of their keyed state where they are taken, and the assignor
 *     may move other instances' partitions too). Set the session longer than a restart takes; scaling down then waits
 *     for the session. Needs a static member ({@code staticMembership}, or a {@code group.instance.id} of your own):
 *     a dynamic member that stayed could never be replaced, so its partitions would wait for its session. Under
 *     {@link GroupProtocol#CONSUMER} the member closes with KIP-848's temporary leave (member epoch -2), which keeps
 *     its partitions for the group's session ({@code group.consumer.session.timeout.ms} of the broker, or the group's
 *     {@code consumer.session.timeout.ms}) and lets its restart take them back; a crashed instance's restart is
 *     refused until the dead member's session expires, and its run retries under the pipeline's
 *     {@link io.onceflow.core.RestartPolicy} until then (the defaults retry for 2.5 to 5 minutes: let it outlast
 *     the session). Exactly-once does not depend on it: the restarted instance claims its partitions from the commit
 *     point either way
 * @param name the source's name in meters and logs; defaults to {@code "kafka"}
 * @param consumerProperties further Kafka consumer settings; none by default
 * @param <T> the type of the record values
 * @since 0.1
 */
public record KafkaSourceOptions<T>(
        String bootstrapServers,
        @Nullable String groupId,
        List<String> topics,
        RecordFormat<T> recordFormat,
        StartPosition startPosition,
        boolean readCommitted,
        int maxPollRecords,
        Duration pollTimeout,
        Duration assignTimeout,
        boolean commitGroupOffsets,
        boolean staticMembership,
        boolean leaveGroupOnClose,
        String name,
        Map<String, String> consumerProperties) {

    /** Consumer settings that typed options (or the source itself) own, with the option to use instead. */
    private static final Map<String, String> RESERVED = Map.of(
            "bootstrap.servers", "bootstrapServers(...)",
            "group.id", "groupId(...)",
            "isolation.level", "readCommitted(...)",
            "max.poll.records", "maxPollRecords(...)",
            "auto.offset.reset", "startPosition(...)",
            "enable.auto.commit", "nothing: offsets are committed by checkpoints",
            "key.deserializer", "recordFormat(...), which reads keys as bytes",
            "value.deserializer", "valueFormat(...) or recordFormat(...)");

    /** Consumer settings of the classic protocol that the consumer protocol (KIP-848) moves to the broker. */
    private static final Map<String, String> CLASSIC_ONLY = Map.of(
            "session.timeout.ms",
                    "the broker's group.consumer.session.timeout.ms (or the group's"
                            + " consumer.session.timeout.ms) sets it",
            "heartbeat.interval.ms",
                    "the broker's group.consumer.heartbeat.interval.ms (or the group's"
                            + " consumer.heartbeat.interval.ms) sets it",
            "partition.assignment.strategy",
                    "the broker assigns partitions; choose its assignor with group.remote.assignor");

    public KafkaSourceOptions {
        requireNonNull(bootstrapServers, "bootstrapServers");
        requireNonNull(topics, "topics");
        requireNonNull(recordFormat, "recordFormat");
        requireNonNull(startPosition, "startPosition");
        requireNonNull(pollTimeout, "pollTimeout");
        requireNonNull(assignTimeout, "assignTimeout");
        requireNonNull(name, "name");
        requireNonNull(consumerProperties, "consumerProperties");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must not be blank");
        }
        if (groupId != null && groupId.isBlank()) {
            throw new IllegalArgumentException("groupId must not be blank; leave it unset for the pipeline's name");
        }
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("topics must name at least one topic");
        }
        topics = List.copyOf(topics);
        for (String topic : topics) {
            ClientProperties.checkTopicName("topic", topic);
        }
        if (topics.stream().distinct().count() != topics.size()) {
            throw new IllegalArgumentException("topics must be distinct, were " + topics);
        }
        if (maxPollRecords < 1) {
            throw new IllegalArgumentException("maxPollRecords must be >= 1, was " + maxPollRecords);
        }
        if (pollTimeout.isNegative() || pollTimeout.isZero()) {
            throw new IllegalArgumentException("pollTimeout must be > 0, was " + pollTimeout);
        }
        if (assignTimeout.isNegative() || assignTimeout.isZero()) {
            throw new IllegalArgumentException("assignTimeout must be > 0, was " + assignTimeout);
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        consumerProperties = ClientProperties.copy("consumerProperties", consumerProperties, RESERVED);
        GroupProtocol protocol = groupProtocolOf(consumerProperties);
        if (protocol == GroupProtocol.CONSUMER) {
            for (String classicOnly : CLASSIC_ONLY.keySet()) {
                if (consumerProperties.containsKey(classicOnly)) {
                    throw new IllegalArgumentException(classicOnly + " cannot be set under group.protocol=consumer: "
                            + CLASSIC_ONLY.get(classicOnly));
                }
            }
        }
        if (!leaveGroupOnClose && !staticMembership && !consumerProperties.containsKey("group.instance.id")) {
            throw new IllegalArgumentException("leaveGroupOnClose(false) needs a static member: a dynamic member that"
                    + " stayed in its group could never be replaced, and its partitions would wait for its session."
                    + " Drop staticMembership(false), or set a group.instance.id");
        }
        String maxPollInterval = consumerProperties.get("max.poll.interval.ms");
        if (maxPollInterval != null
                && ClientProperties.longValue("max.poll.interval.ms", maxPollInterval) <= assignTimeout.toMillis()) {
            throw new IllegalArgumentException("max.poll.interval.ms=" + maxPollInterval + " must be longer than"
                    + " assignTimeout (" + assignTimeout + "): the consumer would leave its group while claiming"
                    + " partitions");
        }
    }

    /**
     * The consumer group protocol the source's consumer speaks: {@link GroupProtocol#CLASSIC} unless the consumer
     * property {@code group.protocol} says {@code consumer} (KIP-848, generally available since Kafka 4.0: the broker
     * assigns partitions, and a rebalance moves only the partitions that change owner, without stopping the group).
     * Exactly-once holds under both: a revoked partition is closed by a checkpoint in its revocation callback, and
     * offsets go into the sink's transaction with the group metadata of the current generation (the member epoch
     * under the consumer protocol), so a member that lost its partitions cannot commit for them.
     */
    public GroupProtocol groupProtocol() {
        return groupProtocolOf(consumerProperties);
    }

    private static GroupProtocol groupProtocolOf(Map<String, String> consumerProperties) {
        String protocol = consumerProperties.get("group.protocol");
        if (protocol == null) {
            return GroupProtocol.CLASSIC;
        }
        try {
            return GroupProtocol.of(protocol.trim());
        } catch (IllegalArgumentException unknown) {
            throw new IllegalArgumentException(
                    "group.protocol must be classic or consumer, was '" + protocol + "'", unknown);
        }
    }

    /** A builder with the defaults; set at least the bootstrap servers and the topics. */
    public static Builder<byte[]> builder() {
        return new Builder<>(RecordFormat.value(Format.bytes()));
    }

    /** A builder that starts from these options. */
    public Builder<T> toBuilder() {
        return new Builder<>(this);
    }

    @Override
    public String toString() {
        return "KafkaSourceOptions[bootstrapServers=" + bootstrapServers + ", groupId=" + groupId + ", topics="
                + topics + ", recordFormat=" + recordFormat + ", startPosition=" + startPosition + ", readCommitted="
                + readCommitted + ", maxPollRecords=" + maxPollRecords + ", pollTimeout=" + pollTimeout
                + ", assignTimeout=" + assignTimeout + ", commitGroupOffsets=" + commitGroupOffsets
                + ", staticMembership=" + staticMembership + ", leaveGroupOnClose=" + leaveGroupOnClose + ", name="
                + name
                + ", consumerProperties=" + ClientProperties.redacted(consumerProperties) + "]";
    }

    /**
     * Assembles {@link KafkaSourceOptions}; every setting but the bootstrap servers and topics has a default.
     *
     * @param <T> the type of the record values, set by {@link #valueFormat} or {@link #recordFormat}
     */
    public static final class Builder<T> {
        private @Nullable String bootstrapServers;
        private @Nullable String groupId;
        private final List<String> topics = new ArrayList<>();
        private RecordFormat<T> recordFormat;
        private StartPosition startPosition = StartPosition.EARLIEST;
        private boolean readCommitted = true;
        private int maxPollRecords = 500;
        private Duration pollTimeout = Duration.ofMillis(100);
        private Duration assignTimeout = Duration.ofSeconds(60);
        private boolean commitGroupOffsets = true;
        private boolean staticMembership = true;
        private boolean leaveGroupOnClose = true;
        private String name = "kafka";
        private final Map<String, String> consumerProperties = new LinkedHashMap<>();

        private Builder(RecordFormat<T> recordFormat) {
            this.recordFormat = recordFormat;
        }

        private Builder(KafkaSourceOptions<T> from) {
            bootstrapServers = from.bootstrapServers;
            groupId = from.groupId;
            topics.addAll(from.topics);
            recordFormat = from.recordFormat;
            startPosition = from.startPosition;
            readCommitted = from.readCommitted;
            maxPollRecords = from.maxPollRecords;
            pollTimeout = from.pollTimeout;
            assignTimeout = from.assignTimeout;
            commitGroupOffsets = from.commitGroupOffsets;
            staticMembership = from.staticMembership;
            leaveGroupOnClose = from.leaveGroupOnClose;
            name = from.name;
            consumerProperties.putAll(from.consumerProperties);
        }

        @SuppressWarnings("unchecked")
        private <V> Builder<V> self() {
            return (Builder<V>) this;
        }

        /** The brokers to connect to, as {@code host:port[,host:port...]}. Required. */
        public Builder<T> bootstrapServers(String servers) {
            this.bootstrapServers = requireNonNull(servers, "servers");
            return this;
        }

        /** The consumer group. Defaults to the pipeline's name. */
        public Builder<T> groupId(String group) {
            this.groupId = requireNonNull(group, "group");
            return this;
        }

        /** Adds a topic to read. At least one is required. */
        public Builder<T> topic(String topic) {
            topics.add(requireNonNull(topic, "topic"));
            return this;
        }

        /** Adds topics to read. */
        public Builder<T> topics(String... more) {
            for (String topic : more) {
                topic(topic);
            }
            return this;
        }

        /**
         * How values are decoded, the value alone: {@link RecordFormat#value(Decoder)}. A {@link Format} or a
         * {@link Decoder} of its own. Defaults to {@link Format#bytes()}. Replaces a {@link #recordFormat} set before.
         */
        public <V> Builder<V> valueFormat(Decoder<V> format) {
            return recordFormat(RecordFormat.value(requireNonNull(format, "format")));
        }

        /**
         * How whole records are decoded, when the key, a header or the timestamp matters too. Replaces a
         * {@link #valueFormat} set before.
         */
        public <V> Builder<V> recordFormat(RecordFormat<V> format) {
            Builder<V> typed = self();
            typed.recordFormat = requireNonNull(format, "format");
            return typed;
        }

        /** Where a partition with no committed position starts. Defaults to {@link StartPosition#EARLIEST}. */
        public Builder<T> startPosition(StartPosition position) {
            this.startPosition = requireNonNull(position, "position");
            return this;
        }

        /** Whether to read committed transactional records only. Defaults to {@code true}. */
        public Builder<T> readCommitted(boolean committedOnly) {
            this.readCommitted = committedOnly;
            return this;
        }

        /** Records one poll returns at most. Defaults to {@code 500}. */
        public Builder<T> maxPollRecords(int records) {
            this.maxPollRecords = records;
            return this;
        }

        /** How long one poll waits for records. Defaults to 100 milliseconds. */
        public Builder<T> pollTimeout(Duration timeout) {
            this.pollTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long claiming newly assigned partitions may take. Defaults to 60 seconds. */
        public Builder<T> assignTimeout(Duration timeout) {
            this.assignTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** Whether to commit group offsets after checkpoints when Kafka is not the commit point. Defaults to true. */
        public Builder<T> commitGroupOffsets(boolean commit) {
            this.commitGroupOffsets = commit;
            return this;
        }

        /**
         * Whether the consumer joins its group as a static member under the classic protocol (and under the consumer
         * protocol when it stays in its group on close), so that an instance restarted after a crash takes its
         * partitions back at once rather than after the dead member's session.
         * Defaults to {@code true}; see {@link KafkaSourceOptions#staticMembership()}.
         *
         * @since 0.2
         */
        public Builder<T> staticMembership(boolean isStatic) {
            this.staticMembership = isStatic;
            return this;
        }

        /**
         * Whether a consumer that closes leaves its group. Defaults to {@code true}; {@code false} lets a static
         * member keep its partitions across a restart (a rolling restart with no rebalance); see
         * {@link KafkaSourceOptions#leaveGroupOnClose()}.
         *
         * @since 0.2
         */
        public Builder<T> leaveGroupOnClose(boolean leave) {
            this.leaveGroupOnClose = leave;
            return this;
        }

        /** The source's name in meters and logs. Defaults to {@code "kafka"}. */
        public Builder<T> name(String sourceName) {
            this.name = requireNonNull(sourceName, "sourceName");
            return this;
        }

        /**
         * The consumer group protocol ({@code group.protocol}); defaults to {@link GroupProtocol#CLASSIC}. Under
         * {@link GroupProtocol#CONSUMER} the broker owns the session timeout, the heartbeat interval and the assignor,
         * so {@code session.timeout.ms}, {@code heartbeat.interval.ms} and {@code partition.assignment.strategy} are
         * refused; the broker must enable the protocol ({@code group.coordinator.rebalance.protocols}, on by default
         * since Kafka 4.0).
         */
        public Builder<T> groupProtocol(GroupProtocol protocol) {
            return consumerProperty(
                    "group.protocol",
                    requireNonNull(protocol, "protocol").name().toLowerCase(Locale.ROOT));
        }

        /** A further Kafka consumer setting; it may not repeat a typed option. */
        public Builder<T> consumerProperty(String key, Object value) {
            consumerProperties.put(requireNonNull(key, "key"), String.valueOf(requireNonNull(value, "value")));
            return this;
        }

        /** Further Kafka consumer settings. */
        public Builder<T> consumerProperties(Map<String, ?> properties) {
            properties.forEach(this::consumerProperty);
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException when a setting is invalid, with what to change
         */
        public KafkaSourceOptions<T> build() {
            if (bootstrapServers == null) {
                throw new IllegalArgumentException("bootstrapServers is required");
            }
            return new KafkaSourceOptions<>(
                    bootstrapServers,
                    groupId,
                    topics,
                    recordFormat,
                    startPosition,
                    readCommitted,
                    maxPollRecords,
                    pollTimeout,
                    assignTimeout,
                    commitGroupOffsets,
                    staticMembership,
                    leaveGroupOnClose,
                    name,
                    consumerProperties);
        }
    }
}
