package io.onceflow.chaos.processor;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.chaos.ledger.Balance;
import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.ledger.Payment;
import io.onceflow.core.CommitPoint;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.List;

/**
 * Assembles the ledger job of each {@link LedgerVariant}: the same source and keyed balance, different sinks.
 *
 * <pre>
 *   payments (Kafka, keyed by account) ─▶ keyed(account: Balance.apply) ─┬─▶ entries   (the commit point)
 *                                                                       └─▶ balances  (idempotent, or not)
 * </pre>
 *
 * <p>Timeouts are short, so that a killed broker or processor is noticed in seconds, and restarts never give up: the
 * campaign, not the restart policy, decides when a processor stops.
 */
public final class LedgerPipelines {

    /** The input records' value format. */
    public static final Format<Payment> PAYMENTS = new Format<>() {
        @Override
        public Payment decode(byte[] bytes) {
            return Payment.decode(bytes);
        }

        @Override
        public byte[] encode(Payment value) {
            return value.encode();
        }
    };

    private LedgerPipelines() {}

    /**
     * The pipeline of {@code settings.variant()}.
     *
     * @param database the pool the PostgreSQL sinks write through
     * @param listener the protocol listener (the processor's {@link CrashSwitch})
     */
    public static Pipeline create(
            ProcessorSettings settings, ConnectionFactory database, ProtocolListener listener, MeterRegistry meters) {
        LedgerVariant variant = settings.variant();
        KafkaSource<Payment> payments = KafkaSource.create(settings.membership()
                .applyTo(KafkaSourceOptions.builder()
                        .bootstrapServers(settings.bootstrapServers())
                        .topic(LedgerVariant.INPUT_TOPIC)
                        .valueFormat(PAYMENTS)
                        .name("payments")
                        .maxPollRecords(500)
                        .assignTimeout(Duration.ofSeconds(30)))
                .build());
        return Onceflow.pipeline(variant.pipeline())
                .instanceId(settings.instanceId())
                .checkpointEvery(settings.checkpointInterval())
                .checkpointTimeout(Duration.ofSeconds(30))
                .revocationGracePeriod(Duration.ofSeconds(10))
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(3)))
                .protocolListener(listener)
                .meterRegistry(meters)
                .from(payments)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sinks(settings, payments, database));
    }

    private static List<Sink<Balance>> sinks(
            ProcessorSettings settings, KafkaSource<Payment> payments, ConnectionFactory database) {
        LedgerVariant variant = settings.variant();
        return switch (variant) {
            case KAFKA -> List.of(kafkaEntries(settings, payments), versionedBalances(variant, database));
            case POSTGRES -> List.of(postgresEntries(variant, database), versionedBalances(variant, database));
            case BROKEN_OFFSETS_FIRST ->
                List.of(
                        EarlyOffsetsCommitPoint.wrap(
                                postgresEntries(variant, database),
                                settings.bootstrapServers(),
                                variant.earlyOffsetsGroup()),
                        versionedBalances(variant, database));
            case BROKEN_NOT_IDEMPOTENT ->
                List.of(
                        postgresEntries(variant, database),
                        new AccumulatingBalancesSink(database, variant.balancesTable()));
        };
    }

    private static KafkaTransactionalSink<Balance> kafkaEntries(
            ProcessorSettings settings, KafkaSource<Payment> payments) {
        String topic = settings.variant().entriesTopic();
        return KafkaTransactionalSink.create(
                payments,
                KafkaSinkOptions.builder()
                        .name("entries")
                        .transactionTimeout(Duration.ofSeconds(10))
                        .requestTimeout(Duration.ofSeconds(10))
                        .clientProperty("request.timeout.ms", 5_000)
                        .producerProperty("max.block.ms", 10_000)
                        .producerProperty("delivery.timeout.ms", 15_000)
                        .build(),
                balance -> KafkaRecord.of(topic, balance.account(), balance.encode()));
    }

    private static CommitPoint<Balance> postgresEntries(LedgerVariant variant, ConnectionFactory database) {
        return (CommitPoint<Balance>) R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                .name("entries")
                .connectionFactory(database)
                .table(variant.entriesTable())
                .key("account", "n")
                .columns(b -> Row.of(
                        new String[] {"account", "n", "seq", "payment_id", "amount_cents", "balance_cents"},
                        new Object[] {
                            b.account(), b.payments(), b.lastSeq(), b.lastPaymentId(), b.lastAmountCents(), b.cents()
                        }))
                .commitPoint()
                // small chunks, so that a checkpoint's entries go into its open transaction before its marker (rows are
                // streamed once a chunk waits): every fault of the campaign meets streamed commits too
                .chunkSize(100)
                .build());
    }

    private static Sink<Balance> versionedBalances(LedgerVariant variant, ConnectionFactory database) {
        return R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                .name("balances")
                .connectionFactory(database)
                .table(variant.balancesTable())
                .key("account")
                .columns(b -> Row.of(
                        new String[] {"account", "balance_cents", "payments", "last_seq", "last_payment_id"},
                        new Object[] {b.account(), b.cents(), b.payments(), b.lastSeq(), b.lastPaymentId()}))
                .idempotent()
                // the newest record of each account in a checkpoint, its row made alone (the shapes' tables cover the
                // other ways to coalesce)
                .lastWriteWins(Balance::account)
                .build());
    }
}
