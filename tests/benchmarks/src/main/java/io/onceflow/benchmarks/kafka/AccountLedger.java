package io.onceflow.benchmarks.kafka;

import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import io.onceflow.sinks.r2dbc.Row;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The keyed job of the state benchmarks: payments to accounts {@code acct-<n>}, a running balance per account. */
final class AccountLedger {

    private AccountLedger() {}

    record Payment(String account, long cents) {}

    record Balance(String account, long cents, long payments) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.cents(), payments + 1);
        }

        /** The row of the benchmarks' {@code balances} table. */
        Row row() {
            return Row.of("account", account, "balance_cents", cents, "payments", payments, "last_payment", -1L);
        }
    }

    /** Writes {@code count} payments to {@code topic}, payment {@code i} to account {@code acct-<account(i)>}. */
    static void produce(String bootstrap, String topic, int count, IntUnaryOperator account) {
        Format<Payment> format = Json.of(Payment.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "linger.ms", "20", "batch.size", "262144"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                String key = "acct-" + account.applyAsInt(i);
                producer.send(new ProducerRecord<>(topic, key, format.encode(new Payment(key, 1 + i % 100))));
            }
            producer.flush();
        }
    }
}
