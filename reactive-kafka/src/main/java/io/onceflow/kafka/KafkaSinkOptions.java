package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.kafka.internal.ClientProperties;
import io.onceflow.kafka.internal.Formats;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a {@link KafkaSink} (exactly once: a {@link KafkaTransactionalSink}; or at least once), validated
 * when built.
 *
 * <p>Typed options cover what Onceflow relies on; other settings go into {@link #clientProperties()} (every client
 * the sink opens: the transactional producer, the admin client and the changelog reader; security settings belong
 * here) or {@link #producerProperties()} (the producer only). Neither may repeat a typed option. Values of properties
 * whose names look secret never appear in {@link #toString()}.
 *
 * <p>A sink is created from its pipeline's {@link KafkaSource} ({@link KafkaSink#create(KafkaSource, KafkaSinkOptions,
 * java.util.function.Function)}), and takes the cluster and the consumer group from it: leave
 * {@code bootstrapServers} and {@code groupId} unset here.
 *
 * <pre>{@code
 * KafkaSinkOptions options = KafkaSinkOptions.builder()
 *         .deadLetterTopic("ledger-dead-letters")
 *         .build();
 * }</pre>
 *
 * @param bootstrapServers the brokers to connect to; {@code null} (the default) for the source's, which is the only
 *     value allowed: the consumer offsets are committed in the sink's transactions. Required only by the deprecated
 *     {@code create} methods without a source
 * @param groupId the consumer group whose offsets the transactions commit; {@code null} (the default) for the
 *     source's. Required to be the source's group; the deprecated {@code create} methods without a source check it
 *     at assembly
 * @param transactionalIdPrefix the transactional id is this prefix, {@code -}, and the pipeline's instance id;
 *     {@code null} (the default) for the pipeline's name. Two running instances must never share an instance id:
 *     the newer fences the older
 * @param changelogTopic the compacted topic that keeps the pipeline's keyed state; {@code null} (the default) for
 *     {@code <pipeline>-changelog}. The state of source partition {@code p} lives in its partition {@code p}
 * @param createChangelogTopic whether the sink creates the changelog topic (compacted, in segments of 8 MiB so that
 *     the cleaner keeps it small, with as many partitions as the source topics have) when a checkpoint first carries
 *     state; defaults to {@code true}. A restore reads the changelog from its beginning: a topic created otherwise
 *     should be compacted with segments as small
 * @param changelogReplicationFactor the replication factor of a created changelog topic, or {@code -1} (the default)
 *     for the broker's default
 * @param deadLetterTopic where poison records go, in the transaction of their checkpoint; {@code null} (the default)
 *     for none: a poison record then stops the pipeline with an error naming its topic, partition and offset
 * @param maxBufferedRecords records the writer holds in memory (written and not yet handed to the producer, as the
 *     records of the next checkpoint wait while one commits, and sent records a checkpoint keeps, at most 20,000 and
 *     16 MiB, to retry its transaction after a rebalance) at which the pipeline takes an early checkpoint and then
 *     waits for one to complete; defaults to {@code 100000}. The producer's own {@code buffer.memory} bounds what it
 *     has in flight. The bound counts records, not bytes: size it for the records you write (100,000 records of 10 kB
 *     are 1 GB of heap while a slow commit holds them), or cut checkpoints by volume with the pipeline's
 *     {@code checkpointAfterBytes}
 * @param transactionTimeout the transaction coordinator aborts a transaction open longer than this
 *     ({@code transaction.timeout.ms}); it bounds how long a crashed instance's partitions stay blocked; defaults to
 *     30 seconds. A checkpoint whose transaction outlives it (a slow sink beside the commit point, a loaded host, a
 *     paused process) fails when the coordinator has aborted it, and the run restarts from its last checkpoint: keep
 *     it above the slowest checkpoint you expect
 * @param requestTimeout how long one admin request or changelog read may take (reading committed offsets and
 *     restoring state on assignment, creating the changelog topic); defaults to 30 seconds
 * @param closeTimeout how long closing the producer at the end of a run may wait for in-flight requests before it is
 *     closed forcibly; defaults to 10 seconds
 * @param claimTimeout how long claiming a partition may wait for its previous owner's last transaction: until its
 *     offsets are stable, and until the changelog has reached the state they were committed with (a transaction left
 *     open by a frozen or crashed owner holds both back until the transaction coordinator aborts it, after
 *     {@code transactionTimeout} and the broker's abort check interval,
 *     {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}, 10 seconds by default); after it the claim
 *     fails, retryably, rather than restore older state. Defaults to {@code transactionTimeout} plus 15 seconds; must
 *     be at least {@code transactionTimeout} plus 10 seconds
 * @param keyFormat how record keys are encoded; defaults to bytes as they are, text as UTF-8 and anything else as
 *     JSON
 * @param valueFormat how record values are encoded; defaults to bytes as they are, text as UTF-8 and anything else
 *     as JSON
 * @param name the sink's name in meters and logs; defaults to {@code "kafka"}
 * @param clientProperties further settings of every client the sink opens; none by default. A sink created from
 *     its source also takes the source's connection and security settings ({@code security.protocol},
 *     {@code sasl.*}, {@code ssl.*}, {@code client.dns.lookup}); a key set here overrides the source's
 * @param producerProperties further settings of the producer only; none by default. The producer
 *     defaults to {@code batch.size=262144} and {@code linger.ms=50} (records are invisible until the commit, which
 *     flushes, so lingering costs no latency), and, exactly once, to {@code retry.backoff.ms=20} (a restarted sink's
 *     {@code initTransactions} asks again every {@code retry.backoff.ms} until the coordinator has aborted its killed
 *     predecessor's open transaction; Kafka's 100 ms cost about 200 ms a restart); these may be overridden here
 * @param deliveryGuarantee {@link DeliveryGuarantee#EXACTLY_ONCE} (the default): one transaction per checkpoint; or
 *     {@link DeliveryGuarantee#AT_LEAST_ONCE}: an idempotent producer without transactions, the offsets committed by
 *     the consumer once every write of the checkpoint is acknowledged ({@link KafkaSink#create} makes the sink of
 *     either; {@code transactionTimeout} and {@code transactionalIdPrefix} then only name the clients)
 * @since 0.1
 */
public record KafkaSinkOptions(
        @Nullable String bootstrapServers,
        @Nullable String groupId,
        @Nullable String transactionalIdPrefix,
        @Nullable String changelogTopic,
        boolean createChangelogTopic,
        short changelogReplicationFactor,
        @Nullable String deadLetterTopic,
        int maxBufferedRecords,
        Duration transactionTimeout,
        Duration requestTimeout,
        Duration closeTimeout,
        Duration claimTimeout,
        Encoder<Object> keyFormat,
        Encoder<Object> valueFormat,
        String name,
        Map<String, String> clientProperties,
        Map<String, String> producerProperties,
        DeliveryGuarantee deliveryGuarantee) {

    /**
     * The broker's default {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}: how often it aborts
     * transactions past their timeout.
     */
    public static final Duration BROKER_ABORT_INTERVAL = Duration.ofSeconds(10);

    private static final Map<String, String> RESERVED_CLIENT = Map.of(
            "bootstrap.servers", "bootstrapServers(...)",
            "group.id", "groupId(...)",
            "transactional.id", "transactionalIdPrefix(...)",
            "isolation.level", "nothing: the changelog is read committed",
            "key.serializer", "keyFormat(...)",
            "value.serializer", "valueFormat(...)",
            "key.deserializer", "nothing: the changelog is read as bytes",
            "value.deserializer", "nothing: the changelog is read as bytes");

    private static final Map<String, String> RESERVED_PRODUCER = Map.of(
            "bootstrap.servers", "bootstrapServers(...)",
            "transactional.id", "transactionalIdPrefix(...)",
            "transaction.timeout.ms", "transactionTimeout(...)",
            "enable.idempotence", "nothing: the sink's producer is idempotent",
            "acks", "nothing: the sink's producer needs acks=all",
            "key.serializer", "keyFormat(...)",
            "value.serializer", "valueFormat(...)");

    public KafkaSinkOptions {
        requireNonNull(transactionTimeout, "transactionTimeout");
        requireNonNull(requestTimeout, "requestTimeout");
        requireNonNull(closeTimeout, "closeTimeout");
        requireNonNull(claimTimeout, "claimTimeout");
        requireNonNull(keyFormat, "keyFormat");
        requireNonNull(valueFormat, "valueFormat");
        requireNonNull(name, "name");
        requireNonNull(clientProperties, "clientProperties");
        requireNonNull(producerProperties, "producerProperties");
        requireNonNull(deliveryGuarantee, "deliveryGuarantee");
        if (bootstrapServers != null && bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must not be blank; leave it unset for the source's");
        }
        if (groupId != null && groupId.isBlank()) {
            throw new IllegalArgumentException("groupId must not be blank; leave it unset for the pipeline's name");
        }
        if (transactionalIdPrefix != null && transactionalIdPrefix.isBlank()) {
            throw new IllegalArgumentException(
                    "transactionalIdPrefix must not be blank; leave it unset for the pipeline's name");
        }
        if (changelogTopic != null) {
            ClientProperties.checkTopicName("changelogTopic", changelogTopic);
        }
        if (deadLetterTopic != null) {
            ClientProperties.checkTopicName("deadLetterTopic", deadLetterTopic);
        }
        if (changelogTopic != null && changelogTopic.equals(deadLetterTopic)) {
            throw new IllegalArgumentException(
                    "changelogTopic and deadLetterTopic must differ, both were '" + changelogTopic + "'");
        }
        if (changelogReplicationFactor != -1 && changelogReplicationFactor < 1) {
            throw new IllegalArgumentException("changelogReplicationFactor must be >= 1, or -1 for the broker's"
                    + " default, was " + changelogReplicationFactor);
        }
        if (maxBufferedRecords < 1) {
            throw new IllegalArgumentException("maxBufferedRecords must be >= 1, was " + maxBufferedRecords);
        }
        if (transactionTimeout.toMillis() < 1000 || transactionTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "transactionTimeout must be at least 1 second (and fit in an int of ms), was "
                            + transactionTimeout);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be > 0, was " + requestTimeout);
        }
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must be >= 0, was " + closeTimeout);
        }
        if (claimTimeout.compareTo(transactionTimeout.plus(BROKER_ABORT_INTERVAL)) < 0) {
            throw new IllegalArgumentException("claimTimeout (" + claimTimeout + ") must be at least transactionTimeout"
                    + " (" + transactionTimeout + ") plus the broker's abort check interval (" + BROKER_ABORT_INTERVAL
                    + " by default): a frozen owner's open transaction holds a claimed partition back until the"
                    + " broker aborts it, and a claim that gives up earlier restarts the pipeline for nothing."
                    + " Raise claimTimeout, or lower transactionTimeout");
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        clientProperties = ClientProperties.copy("clientProperties", clientProperties, RESERVED_CLIENT);
        producerProperties = ClientProperties.copy("producerProperties", producerProperties, RESERVED_PRODUCER);
    }

    /** A builder with the defaults; set at least the bootstrap servers. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether the sink writes at least once ({@link DeliveryGuarantee#AT_LEAST_ONCE}). */
    public boolean atLeastOnce() {
        return deliveryGuarantee == DeliveryGuarantee.AT_LEAST_ONCE;
    }

    /** Whether poison records go to a dead-letter topic. */
    public boolean hasDeadLetterTopic() {
        return deadLetterTopic != null;
    }

    @Override
    public String toString() {
        return "KafkaSinkOptions[bootstrapServers=" + bootstrapServers + ", groupId=" + groupId
                + ", transactionalIdPrefix=" + transactionalIdPrefix + ", changelogTopic=" + changelogTopic
                + ", createChangelogTopic=" + createChangelogTopic + ", changelogReplicationFactor="
                + changelogReplicationFactor + ", deadLetterTopic=" + deadLetterTopic + ", maxBufferedRecords="
                + maxBufferedRecords + ", transactionTimeout=" + transactionTimeout + ", requestTimeout="
                + requestTimeout + ", closeTimeout=" + closeTimeout + ", claimTimeout=" + claimTimeout + ", keyFormat="
                + keyFormat + ", valueFormat="
                + valueFormat + ", name=" + name + ", clientProperties="
                + ClientProperties.redacted(clientProperties) + ", producerProperties="
                + ClientProperties.redacted(producerProperties) + ", deliveryGuarantee=" + deliveryGuarantee + "]";
    }

    /** Assembles {@link KafkaSinkOptions}; every setting has a default. */
    public static final class Builder {
        private @Nullable String bootstrapServers;
        private @Nullable String groupId;
        private @Nullable String transactionalIdPrefix;
        private @Nullable String changelogTopic;
        private boolean createChangelogTopic = true;
        private short changelogReplicationFactor = -1;
        private @Nullable String deadLetterTopic;
        private int maxBufferedRecords = 100_000;
        private Duration transactionTimeout = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private @Nullable Duration claimTimeout;
        private Encoder<Object> keyFormat = Formats.DEFAULT_KEY;
        private Encoder<Object> valueFormat = Formats.DEFAULT_VALUE;
        private String name = "kafka";
        private final Map<String, String> clientProperties = new LinkedHashMap<>();
        private final Map<String, String> producerProperties = new LinkedHashMap<>();
        private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.EXACTLY_ONCE;

        private Builder() {}

        private Builder(KafkaSinkOptions from) {
            bootstrapServers = from.bootstrapServers;
            groupId = from.groupId;
            transactionalIdPrefix = from.transactionalIdPrefix;
            changelogTopic = from.changelogTopic;
            createChangelogTopic = from.createChangelogTopic;
            changelogReplicationFactor = from.changelogReplicationFactor;
            deadLetterTopic = from.deadLetterTopic;
            maxBufferedRecords = from.maxBufferedRecords;
            transactionTimeout = from.transactionTimeout;
            requestTimeout = from.requestTimeout;
            closeTimeout = from.closeTimeout;
            claimTimeout = from.claimTimeout;
            keyFormat = from.keyFormat;
            valueFormat = from.valueFormat;
            name = from.name;
            clientProperties.putAll(from.clientProperties);
            producerProperties.putAll(from.producerProperties);
            deliveryGuarantee = from.deliveryGuarantee;
        }

        /**
         * The brokers to connect to, as {@code host:port[,host:port...]}. Leave unset for a sink created from its
         * source, which takes the source's; required by the deprecated {@code create} methods without a source.
         */
        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = requireNonNull(servers, "servers");
            return this;
        }

        /**
         * The consumer group whose offsets the transactions commit. Leave unset for a sink created from its source,
         * which commits for the source's group; for the deprecated {@code create} methods without a source, defaults
         * to the pipeline's name and must be the source's group.
         */
        public Builder groupId(String group) {
            this.groupId = requireNonNull(group, "group");
            return this;
        }

        /** The transactional id's prefix. Defaults to the pipeline's name. */
        public Builder transactionalIdPrefix(String prefix) {
            this.transactionalIdPrefix = requireNonNull(prefix, "prefix");
            return this;
        }

        /** The keyed-state changelog topic. Defaults to {@code <pipeline>-changelog}. */
        public Builder changelogTopic(String topic) {
            this.changelogTopic = requireNonNull(topic, "topic");
            return this;
        }

        /** Whether the sink creates the changelog topic when it is missing. Defaults to {@code true}. */
        public Builder createChangelogTopic(boolean create) {
            this.createChangelogTopic = create;
            return this;
        }

        /** The replication factor of a created changelog topic. Defaults to the broker's default. */
        public Builder changelogReplicationFactor(int factor) {
            if (factor > Short.MAX_VALUE) {
                throw new IllegalArgumentException("changelogReplicationFactor is too large: " + factor);
            }
            this.changelogReplicationFactor = (short) factor;
            return this;
        }

        /** Where poison records go. None by default: a poison record stops the pipeline. */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = requireNonNull(topic, "topic");
            return this;
        }

        /** Records written and not committed at which the pipeline checkpoints early. Defaults to {@code 100000}. */
        public Builder maxBufferedRecords(int records) {
            this.maxBufferedRecords = records;
            return this;
        }

        /** {@code transaction.timeout.ms}. Defaults to 30 seconds. */
        public Builder transactionTimeout(Duration timeout) {
            this.transactionTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long one admin request or changelog read may take. Defaults to 30 seconds. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long closing the producer may wait before it is closed forcibly. Defaults to 10 seconds. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How long a claim may wait for the previous owner's last transaction. Defaults to {@code transactionTimeout}
         * plus 15 seconds.
         */
        public Builder claimTimeout(Duration timeout) {
            this.claimTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How keys are encoded: a {@link Format} or an {@link Encoder} of its own. Defaults to bytes as they are, text
         * as UTF-8, anything else as JSON.
         */
        @SuppressWarnings("unchecked")
        public Builder keyFormat(Encoder<?> format) {
            this.keyFormat = (Encoder<Object>) requireNonNull(format, "format");
            return this;
        }

        /**
         * How values are encoded: a {@link Format} or an {@link Encoder} of its own. Defaults to bytes as they are,
         * text as UTF-8, anything else as JSON.
         */
        @SuppressWarnings("unchecked")
        public Builder valueFormat(Encoder<?> format) {
            this.valueFormat = (Encoder<Object>) requireNonNull(format, "format");
            return this;
        }

        /** The sink's name in meters and logs. Defaults to {@code "kafka"}. */
        public Builder name(String sinkName) {
            this.name = requireNonNull(sinkName, "sinkName");
            return this;
        }

        /** A further setting of every client the sink opens (security settings go here). */
        public Builder clientProperty(String key, Object value) {
            clientProperties.put(requireNonNull(key, "key"), String.valueOf(requireNonNull(value, "value")));
            return this;
        }

        /** Further settings of every client the sink opens. */
        public Builder clientProperties(Map<String, ?> properties) {
            properties.forEach(this::clientProperty);
            return this;
        }

        /**
         * Exactly once (one transaction per checkpoint) or at least once (an idempotent producer, offsets committed
         * once every write is acknowledged). Defaults to {@link DeliveryGuarantee#EXACTLY_ONCE}.
         */
        public Builder deliveryGuarantee(DeliveryGuarantee guarantee) {
            this.deliveryGuarantee = requireNonNull(guarantee, "guarantee");
            return this;
        }

        /** A further setting of the producer only. */
        public Builder producerProperty(String key, Object value) {
            producerProperties.put(requireNonNull(key, "key"), String.valueOf(requireNonNull(value, "value")));
            return this;
        }

        /** Further settings of the producer only. */
        public Builder producerProperties(Map<String, ?> properties) {
            properties.forEach(this::producerProperty);
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException when a setting is invalid, with what to change
         */
        public KafkaSinkOptions build() {
            return new KafkaSinkOptions(
                    bootstrapServers,
                    groupId,
                    transactionalIdPrefix,
                    changelogTopic,
                    createChangelogTopic,
                    changelogReplicationFactor,
                    deadLetterTopic,
                    maxBufferedRecords,
                    transactionTimeout,
                    requestTimeout,
                    closeTimeout,
                    claimTimeout != null ? claimTimeout : transactionTimeout.plusSeconds(15),
                    keyFormat,
                    valueFormat,
                    name,
                    clientProperties,
                    producerProperties,
                    deliveryGuarantee);
        }
    }
}
