package io.onceflow.it.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CommitPoint;
import io.onceflow.core.Pipeline;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.DeliveryGuarantee;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSink;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.testinfra.ChildProcesses;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child JVM of {@link KafkaAtLeastOnceKillIT}: the ledger job with the at-least-once Kafka sink, halted (as a
 * SIGKILL leaves a process: no shutdown hook, nothing flushed) the n-th time the pipeline reaches a protocol point.
 *
 * <p>Arguments: bootstrap servers, input topic, output topic, the point to halt at or {@code none}, the occurrence,
 * and {@code broken} to commit each checkpoint's offsets before its writes are acknowledged (the bug the test must
 * catch), or {@code correct}.
 */
public final class AtLeastOnceProcessor {

    /** Exit codes from here up are halts at a protocol point: the code minus this is the point's ordinal. */
    static final int HALTED = 100;

    static final String PIPELINE = "alo-ledger";

    private AtLeastOnceProcessor() {}

    public static void main(String[] args) throws Exception {
        ChildProcesses.haltWhenParentDies();
        String bootstrap = args[0];
        String input = args[1];
        String output = args[2];
        ProtocolPoint point = args[3].equals("none") ? null : ProtocolPoint.valueOf(args[3]);
        int occurrence = Integer.parseInt(args[4]);
        boolean broken = args[5].equals("broken");

        AtomicInteger reached = new AtomicInteger();
        ProtocolListener crash = (at, checkpointId) -> {
            if (at == point && reached.incrementAndGet() == occurrence) {
                System.out.println("halting at " + at + " of checkpoint " + checkpointId);
                System.out.flush();
                Runtime.getRuntime().halt(HALTED + at.ordinal());
            }
        };
        KafkaSource<Payment> payments = KafkaSource.create(KafkaLedger.sourceOptions(bootstrap, input)
                .maxPollRecords(200)
                // static membership: a restarted processor takes its partitions back at once
                .consumerProperty("group.instance.id", PIPELINE + "-0")
                .build());
        CommitPoint<Balance> sink = KafkaSink.create(
                payments,
                KafkaLedger.sinkOptions(bootstrap)
                        .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        // batches linger: at a halt, what the producer holds is lost unless the checkpoint waited
                        .producerProperty("linger.ms", broken ? 5_000 : 50)
                        .build(),
                (Balance balance) -> KafkaRecord.of(output, balance.account(), balance));
        if (broken) {
            sink = EarlyOffsetsSink.wrap(sink, bootstrap, PIPELINE + "-early");
        }
        Pipeline pipeline = KafkaLedger.pipeline(PIPELINE, "0", new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofMillis(200))
                .checkpointAfterRecords(500)
                .protocolListener(crash)
                .from(payments)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sink);
        System.out.println("started");
        System.out.flush();
        pipeline.run().blockLast();
    }
}
