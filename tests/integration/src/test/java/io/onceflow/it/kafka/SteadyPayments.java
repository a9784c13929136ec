package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Payments produced steadily (about 2,000 a second) on a thread of their own while processors come and go; only the
 * ones the broker acknowledged count as input.
 */
final class SteadyPayments implements AutoCloseable {

    private final Map<Long, Payment> sent = new ConcurrentHashMap<>();
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final Thread thread;

    SteadyPayments(String bootstrap, String topic, int accounts) {
        thread = new Thread(() -> produce(bootstrap, topic, accounts), "steady-payments-" + topic);
        thread.start();
    }

    private void produce(String bootstrap, String topic, int accounts) {
        Random random = new Random(13);
        long id = 0;
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            while (producing.get()) {
                for (int i = 0; i < 100; i++, id++) {
                    Payment payment = new Payment(id, "acct-" + random.nextInt(accounts), 1 + random.nextInt(10_000));
                    producer.send(
                            new ProducerRecord<>(topic, payment.account(), KafkaLedger.PAYMENTS.encode(payment)),
                            (metadata, error) -> {
                                if (error == null) {
                                    sent.put(payment.id(), payment); // one the broker did not take is no input
                                }
                            });
                }
                Thread.sleep(50); // pacing the input, not waiting for a condition
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops producing and returns what the broker took. */
    Input stop() throws InterruptedException {
        close();
        Input input = new Input();
        input.payments.putAll(sent);
        assertThat(input.payments).as("payments produced").hasSizeGreaterThan(1_000);
        return input;
    }

    @Override
    public void close() throws InterruptedException {
        producing.set(false);
        thread.join(TimeUnit.SECONDS.toMillis(60));
    }
}
