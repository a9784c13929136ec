package io.onceflow.it.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.testinfra.ChildProcesses;
import java.time.Duration;
import org.apache.kafka.clients.consumer.GroupProtocol;

/**
 * The child JVM of {@link KafkaGroupProtocolFailoverIT}: one instance of the exactly-once ledger job (transactional
 * sink, state in the changelog), in a consumer group of the given protocol, until it is killed.
 *
 * <p>Arguments: bootstrap servers, input topic, output topic, pipeline (and group) name, instance id, group protocol.
 * Its consumer's {@code client.id} is {@code <pipeline>-<instance>}, so that the test can tell the members apart.
 */
public final class LedgerInstance {

    private LedgerInstance() {}

    public static void main(String[] args) {
        ChildProcesses.haltWhenParentDies();
        String bootstrap = args[0];
        String input = args[1];
        String output = args[2];
        String pipeline = args[3];
        String instance = args[4];
        GroupProtocol protocol = GroupProtocol.valueOf(args[5]);

        KafkaSourceOptions.Builder<Payment> options = KafkaLedger.sourceOptions(bootstrap, input, protocol)
                .maxPollRecords(200)
                .consumerProperty("client.id", pipeline + "-" + instance);
        if (protocol == GroupProtocol.CLASSIC) {
            // the session the test broker gives groups of the consumer protocol: failovers compare like with like
            options.consumerProperty("session.timeout.ms", 6_000);
        }
        KafkaSourceOptions<Payment> source = options.build();
        Pipeline ledger = KafkaLedger.ledger(
                KafkaLedger.pipeline(pipeline, instance, new SimpleMeterRegistry()),
                source,
                // as long as the session: the survivor reads a killed instance's offsets once its open transaction is
                // aborted, so a longer transaction timeout than the session would hide what the protocols differ in
                KafkaLedger.sinkOptions(bootstrap)
                        .transactionTimeout(Duration.ofSeconds(6))
                        .build(),
                output,
                flux -> flux);
        System.out.println("started " + pipeline + "/" + instance + " under group.protocol=" + protocol);
        System.out.flush();
        ledger.run().blockLast();
    }
}
