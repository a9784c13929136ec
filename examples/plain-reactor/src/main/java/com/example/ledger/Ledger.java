package com.example.ledger;

import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.Sink;
import io.onceflow.core.Source;
import java.time.Duration;

/** The ledger pipeline: payments in, a running balance per account out, exactly once. */
public final class Ledger {

    /** The keyed operator's name: it identifies the balances in the commit point, keep it stable. */
    public static final String BALANCES = "balances";

    private Ledger() {}

    /**
     * The pipeline from {@code payments} to {@code balances}: a Kafka source and a PostgreSQL sink in production
     * ({@code KafkaSource}, {@code R2dbcUpsertSink}), the test kit's in a test.
     */
    public static Pipeline pipeline(Source<Payment> payments, Sink<Balance> balances) {
        return Onceflow.pipeline("ledger")
                .checkpointEvery(Duration.ofSeconds(1))
                .from(payments)
                .filter(p -> p.amountCents() > 0)
                .keyed(BALANCES, Payment::account, Balance::empty, Balance::apply)
                .to(balances);
    }
}
