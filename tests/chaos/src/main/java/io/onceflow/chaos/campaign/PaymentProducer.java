package io.onceflow.chaos.campaign;

import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.ledger.Payment;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces the campaign's payments, paced over the production time, on a thread of its own.
 *
 * <p>Payment {@code i} has id {@code i}, a random account, the account's next sequence number and a random amount;
 * its key is the account, so that an account's payments share a partition, in order. The producer is idempotent with
 * long timeouts, so a broker bounce delays payments but neither loses nor duplicates them.
 *
 * <p>The last tenth is held back: until {@link #release()}, it trickles out at a few payments a second, so that the
 * jobs keep checkpointing (armed processors need checkpoints to crash at) while the campaign finishes its faults.
 */
final class PaymentProducer implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(PaymentProducer.class);
    private static final double HELD_BACK = 0.1;
    private static final long TRICKLE_PER_SECOND = 25;

    private final String bootstrapServers;
    private final long payments;
    private final int accounts;
    private final Duration production;
    private final Random random;
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean done;
    private volatile boolean stopped;
    private volatile long firstHeldBack = Long.MAX_VALUE;

    PaymentProducer(String bootstrapServers, long payments, int accounts, Duration production, long seed) {
        this.bootstrapServers = bootstrapServers;
        this.payments = payments;
        this.accounts = accounts;
        this.production = production;
        this.random = new Random(seed);
    }

    @Override
    public void run() {
        long paced = (long) (payments * (1 - HELD_BACK));
        double nanosPerPayment = (double) production.toNanos() / paced;
        Map<String, Long> sequences = new HashMap<>();
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (long id = 0; id < payments && !stopped; id++) {
                if (id < paced || released.getCount() == 0) {
                    long due = start + (long) (id * nanosPerPayment);
                    pauseUntil(due);
                } else {
                    if (firstHeldBack == Long.MAX_VALUE) {
                        firstHeldBack = id;
                        LOG.info("{} payments produced; the rest trickles until the faults are done", id);
                    }
                    released.await(1_000 / TRICKLE_PER_SECOND, TimeUnit.MILLISECONDS);
                }
                String account = String.format("acct-%05d", random.nextInt(accounts));
                long seq = sequences.merge(account, 1L, Long::sum);
                Payment payment = new Payment(id, account, seq, 1 + random.nextInt(100_000));
                producer.send(
                        new ProducerRecord<>(LedgerVariant.INPUT_TOPIC, account, payment.encode()),
                        (metadata, error) -> (error == null ? acknowledged : failed).incrementAndGet());
                sent.incrementAndGet();
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the producer failed after {} payments", sent.get(), e);
        } finally {
            done = true;
        }
    }

    private static void pauseUntil(long due) throws InterruptedException {
        long wait = due - System.nanoTime();
        if (wait > 2_000_000) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrapServers);
        properties.put("acks", "all");
        properties.put("enable.idempotence", "true");
        properties.put("linger.ms", "10");
        properties.put("max.block.ms", String.valueOf(Duration.ofMinutes(5).toMillis()));
        properties.put(
                "delivery.timeout.ms", String.valueOf(Duration.ofMinutes(10).toMillis()));
        properties.put("request.timeout.ms", "10000");
        properties.put("client.id", "campaign-payments");
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }

    /** Lets the held-back payments go, as fast as the pace allows. */
    void release() {
        released.countDown();
    }

    /** Stops producing (the campaign is failing). */
    void stop() {
        stopped = true;
        released.countDown();
    }

    /** True once it has paced through everything but the held-back tenth. */
    boolean holdingBack() {
        return firstHeldBack != Long.MAX_VALUE || done;
    }

    /** True once every payment has been sent and flushed (or the producer failed). */
    boolean done() {
        return done;
    }

    long sent() {
        return sent.get();
    }

    long acknowledged() {
        return acknowledged.get();
    }

    long failed() {
        return failed.get();
    }
}
