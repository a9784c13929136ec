package io.onceflow.chaos.group;

import static java.util.Objects.requireNonNull;

import io.onceflow.kafka.KafkaSourceOptions;
import java.time.Duration;
import org.apache.kafka.clients.consumer.GroupProtocol;

/**
 * How a processor's sources belong to their consumer groups: the group protocol, and the session timeout after which
 * a frozen or killed processor's partitions move. A classic group takes the timeout from its consumers; a group of the
 * consumer protocol (KIP-848) from the broker, which the test broker sets to the same 6 s (BrokerSettings), so the
 * campaign's zombies and absences work alike under both.
 *
 * @param protocol the consumer group protocol
 * @param sessionTimeout the session timeout of a classic group (the broker's, for the consumer protocol)
 */
public record GroupMembership(GroupProtocol protocol, Duration sessionTimeout) {

    public GroupMembership {
        requireNonNull(protocol, "protocol");
        requireNonNull(sessionTimeout, "sessionTimeout");
    }

    /** The classic protocol with this session timeout. */
    public static GroupMembership classic(Duration sessionTimeout) {
        return new GroupMembership(GroupProtocol.CLASSIC, sessionTimeout);
    }

    /** {@code options}, in groups of this protocol, with the timeouts that the protocol lets the consumer set. */
    public <T> KafkaSourceOptions.Builder<T> applyTo(KafkaSourceOptions.Builder<T> options) {
        options.groupProtocol(protocol)
                .consumerProperty("request.timeout.ms", 5_000)
                .consumerProperty("default.api.timeout.ms", 10_000);
        if (protocol == GroupProtocol.CLASSIC) {
            options.consumerProperty("session.timeout.ms", (int) sessionTimeout.toMillis())
                    .consumerProperty("heartbeat.interval.ms", 1_000);
        }
        return options;
    }
}
