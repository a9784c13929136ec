package io.onceflow.spring;

import static java.util.Objects.requireNonNull;

import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSourceOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The application's Kafka cluster for Onceflow's sources and sinks: option builders with the brokers and client
 * properties filled in.
 *
 * <table>
 *   <caption>Where the settings come from, first found wins</caption>
 *   <tr><th>setting</th><th>from</th></tr>
 *   <tr><td>brokers</td><td>{@code onceflow.kafka.bootstrap-servers}, else Spring Boot's
 *       {@code spring.kafka.bootstrap-servers}</td></tr>
 *   <tr><td>client properties (all clients)</td><td>{@code onceflow.kafka.properties.*} over
 *       {@code spring.kafka.properties.*}</td></tr>
 *   <tr><td>consumer properties</td><td>those, then {@code spring.kafka.consumer.properties.*}</td></tr>
 *   <tr><td>producer properties</td><td>those, then {@code spring.kafka.producer.properties.*}</td></tr>
 *   <tr><td>a source's group membership</td><td>{@code onceflow.kafka.source.static-membership} and
 *       {@code onceflow.kafka.source.leave-group-on-close}, both true by default</td></tr>
 * </table>
 *
 * <p>An application with its own way to find the cluster (an embedded broker in a demo, a service registry) declares
 * a bean of this type with {@link #of}, and the auto-configured one steps aside.
 *
 * <pre>{@code
 * KafkaSource<Payment> payments = KafkaSource.create(kafka.sourceOptions()
 *         .topic("payments")
 *         .valueFormat(Json.of(Payment.class))
 *         .build());
 * }</pre>
 *
 * @since 0.1
 */
public final class OnceflowKafka {

    private final List<String> bootstrapServers;
    private final Map<String, String> consumerProperties;
    private final Map<String, String> producerProperties;
    private final OnceflowProperties.KafkaSource source;

    private OnceflowKafka(
            List<String> bootstrapServers,
            Map<String, String> consumerProperties,
            Map<String, String> producerProperties,
            OnceflowProperties.KafkaSource source) {
        this.bootstrapServers = List.copyOf(bootstrapServers);
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.producerProperties = Map.copyOf(producerProperties);
        this.source = source;
    }

    /**
     * A cluster.
     *
     * @param bootstrapServers the brokers, {@code host:port}; empty when none is configured
     * @param consumerProperties properties of every consumer a source creates
     * @param producerProperties properties of every producer and admin client a sink creates
     */
    public static OnceflowKafka of(
            List<String> bootstrapServers,
            Map<String, String> consumerProperties,
            Map<String, String> producerProperties) {
        requireNonNull(bootstrapServers, "bootstrapServers");
        requireNonNull(consumerProperties, "consumerProperties");
        requireNonNull(producerProperties, "producerProperties");
        return new OnceflowKafka(
                bootstrapServers, consumerProperties, producerProperties, OnceflowProperties.KafkaSource.defaults());
    }

    /** A cluster at {@code bootstrapServers} ({@code host:port[,host:port...]}), without client properties. */
    public static OnceflowKafka of(String bootstrapServers) {
        return of(List.of(bootstrapServers.split(",")), Map.of(), Map.of());
    }

    /**
     * The cluster the application's properties name, as the table above says: what the auto-configured bean holds.
     * For an application that decides itself, from these, where its cluster is.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException when an
     *     {@code onceflow.kafka.*} value breaks its rule
     */
    public static OnceflowKafka from(Environment environment) {
        Binder binder = Binder.get(environment);
        Bindable<Map<String, String>> map = Bindable.mapOf(String.class, String.class);
        OnceflowProperties.Kafka onceflow = binder.bind(
                        OnceflowProperties.PREFIX + ".kafka", OnceflowProperties.Kafka.class)
                .orElseGet(OnceflowProperties.Kafka::defaults);
        SpringKafkaProperties spring = new SpringKafkaProperties(
                binder.bind("spring.kafka.bootstrap-servers", Bindable.listOf(String.class))
                        .orElse(List.of()),
                binder.bind("spring.kafka.properties", map).orElse(Map.of()),
                binder.bind("spring.kafka.consumer.properties", map).orElse(Map.of()),
                binder.bind("spring.kafka.producer.properties", map).orElse(Map.of()));
        return from(onceflow, spring);
    }

    /** The cluster the properties name, as the table above says. */
    static OnceflowKafka from(OnceflowProperties.Kafka onceflow, SpringKafkaProperties spring) {
        List<String> servers =
                onceflow.bootstrapServers().isEmpty() ? spring.bootstrapServers() : onceflow.bootstrapServers();
        Map<String, String> common = new LinkedHashMap<>(spring.properties());
        common.putAll(onceflow.properties());
        Map<String, String> consumer = new LinkedHashMap<>(common);
        consumer.putAll(spring.consumerProperties());
        Map<String, String> producer = new LinkedHashMap<>(common);
        producer.putAll(spring.producerProperties());
        return new OnceflowKafka(servers.stream().map(String::trim).toList(), consumer, producer, onceflow.source());
    }

    /** The same client properties for brokers at {@code bootstrapServers} ({@code host:port[,host:port...]}). */
    public OnceflowKafka withBootstrapServers(String bootstrapServers) {
        return new OnceflowKafka(List.of(bootstrapServers.split(",")), consumerProperties, producerProperties, source);
    }

    /** Whether brokers are configured. */
    public boolean configured() {
        return !bootstrapServers.isEmpty();
    }

    /** The brokers, {@code host:port[,host:port...]}. */
    public String bootstrapServers() {
        return String.join(",", required());
    }

    /** Properties of every consumer a source creates. */
    public Map<String, String> consumerProperties() {
        return consumerProperties;
    }

    /** Properties of every producer and admin client a sink creates. */
    public Map<String, String> producerProperties() {
        return producerProperties;
    }

    /**
     * A source's options with the brokers, the consumer properties and the group membership of
     * {@code onceflow.kafka.source.*}; add the topics and the format.
     *
     * @throws IllegalStateException when no brokers are configured, naming the properties to set
     */
    public KafkaSourceOptions.Builder<byte[]> sourceOptions() {
        return KafkaSourceOptions.builder()
                .bootstrapServers(bootstrapServers())
                .consumerProperties(consumerProperties)
                .staticMembership(source.staticMembership())
                .leaveGroupOnClose(source.leaveGroupOnClose());
    }

    /**
     * A transactional sink's options with the brokers and the producer properties.
     *
     * @throws IllegalStateException when no brokers are configured, naming the properties to set
     */
    public KafkaSinkOptions.Builder sinkOptions() {
        return KafkaSinkOptions.builder().bootstrapServers(bootstrapServers()).clientProperties(producerProperties);
    }

    private List<String> required() {
        if (bootstrapServers.isEmpty()) {
            throw new IllegalStateException(
                    "no Kafka cluster is configured: set onceflow.kafka.bootstrap-servers or spring.kafka.bootstrap-servers");
        }
        return bootstrapServers;
    }

    @Override
    public String toString() {
        // client properties may hold credentials (sasl.jaas.config): names only
        return "OnceflowKafka[" + bootstrapServers + ", consumer " + consumerProperties.keySet() + ", producer "
                + producerProperties.keySet() + "]";
    }

    /** What Spring Boot's {@code spring.kafka.*} says, read without Spring Kafka on the classpath. */
    record SpringKafkaProperties(
            List<String> bootstrapServers,
            Map<String, String> properties,
            Map<String, String> consumerProperties,
            Map<String, String> producerProperties) {}
}
