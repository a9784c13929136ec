package io.onceflow.it.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.testinfra.ChildProcesses;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.GroupProtocol;

/**
 * The child JVM of {@link KafkaGroupProtocolFailoverIT} and {@link KafkaRestartedInstanceIT}: one instance of the exactly-once ledger job (transactional
 * sink, state in the changelog), in a consumer group of the given protocol, until it is killed.
 *
 * <p>Arguments: bootstrap servers, input topic, output topic, pipeline (and group) name, instance id, group protocol,
 * and optionally the classic protocol's session timeout in milliseconds (6,000 by default), {@code stay}, for a
 * source that stays in its group on close ({@code leaveGroupOnClose(false)}), and {@code halt-on-revoke}, for an
 * instance that halts (as a SIGKILL would, exit code {@link #HALTED_ON_REVOKE}) the first time its source gives up
 * partitions in a rebalance: inside the consumer's revocation callback, before the closing checkpoint.
 * Its consumer's {@code client.id} is {@code <pipeline>-<instance>}, so that the test can tell the members apart.
 */
public final class LedgerInstance {

    /** The exit code of an instance started with {@code halt-on-revoke} that halted in its revocation callback. */
    static final int HALTED_ON_REVOKE = 86;

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
        List<String> optional = List.of(args).subList(6, args.length);
        if (protocol == GroupProtocol.CLASSIC) {
            // the session the test broker gives groups of the consumer protocol: failovers compare like with like,
            // unless the test asks for another
            options.consumerProperty(
                    "session.timeout.ms",
                    optional.stream()
                            .filter(arg -> arg.chars().allMatch(Character::isDigit))
                            .map(Integer::parseInt)
                            .findFirst()
                            .orElse(6_000));
        }
        if (optional.contains("stay")) {
            options.leaveGroupOnClose(false);
        }
        KafkaSourceOptions<Payment> source = options.build();
        PipelineBuilder builder = KafkaLedger.pipeline(pipeline, instance, new SimpleMeterRegistry());
        if (optional.contains("halt-on-revoke")) {
            builder = builder.protocolListener((point, checkpoint) -> {
                if (point == ProtocolPoint.DURING_REBALANCE) {
                    System.out.println("halting in the revocation callback");
                    System.out.flush();
                    Runtime.getRuntime().halt(HALTED_ON_REVOKE);
                }
            });
        }
        Pipeline ledger = KafkaLedger.ledger(
                builder,
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

    /**
     * Starts an instance in a child JVM, its output appended to {@code log}.
     *
     * @param more the optional arguments after the group protocol
     */
    static Process start(
            String bootstrap,
            String in,
            String out,
            String name,
            String instance,
            GroupProtocol protocol,
            Path log,
            String... more)
            throws IOException {
        List<String> arguments = new ArrayList<>(List.of(bootstrap, in, out, name, instance, protocol.name()));
        arguments.addAll(List.of(more));
        List<String> command = ChildProcesses.javaCommand(List.of("-Xmx256m"), LedgerInstance.class, arguments);
        Files.writeString(log, "=== instance " + instance + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        return ChildProcesses.start(
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile())),
                "ledger instance " + name + "/" + instance);
    }

    /** The last lines of the instances' log, for a failure's message. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
