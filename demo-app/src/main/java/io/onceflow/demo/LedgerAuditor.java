package io.onceflow.demo;

import io.onceflow.kafka.DeadLetterHeaders;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * An independent check of the ledger, from what Kafka holds: it reads the payments, the ledger entries and the dead
 * letters from the beginning, as any {@code read_committed} consumer outside the pipeline would, and matches them in
 * a {@link LedgerAuditState}. It trusts nothing of the pipeline's own: not its counters, not its offsets.
 *
 * <pre>
 *   loop: poll ledger + dead letters ─▶ read payments to their end now ─▶ match the polled entries and dead letters
 * </pre>
 *
 * <p>Reading the payments to their end after polling the outputs means an entry's payment has always been read
 * before the entry is matched (the payment was in the topic before the pipeline could read it), so an entry with no
 * payment waiting is a real anomaly, never a race of the audit.
 *
 * <p>A record it cannot read (a dead letter with a malformed {@code onceflow.origin.*} header, a ledger record that is
 * not an entry) is counted as an anomaly, and the audit goes on. Should the reader itself stop (an {@link Error}, a
 * failure outside any one record), the counts say so ({@code stoppedBecause}) rather than freeze silently.
 *
 * <p>Its consumers block, so they run on a thread of their own ({@code onceflow-demo-auditor}), with no consumer group
 * (partitions assigned by hand, nothing committed).
 *
 * @since 0.1
 */
final class LedgerAuditor implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerAuditor.class);
    private static final Format<LedgerEntry> ENTRIES = Json.of(LedgerEntry.class);

    private final KafkaCluster kafka;
    private final LedgerTopics topics;
    private final Format<PaymentMessage> payments;

    // a fresh one at each start: the reader starts again from the beginning of the topics
    private volatile LedgerAuditState state;
    private volatile boolean stopping;
    private volatile @Nullable Thread thread;
    private volatile @Nullable KafkaConsumer<byte[], byte[]> paymentsConsumer;
    private volatile @Nullable KafkaConsumer<byte[], byte[]> outputsConsumer;

    LedgerAuditor(KafkaCluster kafka, LedgerTopics topics) {
        this(kafka, topics, PaymentJson.FORMAT);
    }

    /** An auditor that decodes payments with {@code payments}: a test's, that fails as a hostile record would. */
    LedgerAuditor(KafkaCluster kafka, LedgerTopics topics, Format<PaymentMessage> payments) {
        this.kafka = kafka;
        this.topics = topics;
        this.payments = payments;
        this.state = newState();
    }

    private LedgerAuditState newState() {
        return new LedgerAuditState(topics.partitionsOf(topics.payments()), LedgerPipeline.DEDUPLICATION_RETENTION);
    }

    /** What the audit has counted so far; {@code stoppedBecause} says when the counts are frozen. */
    LedgerAuditState.LedgerCounts counts() {
        return state.counts();
    }

    @Override
    public void start() {
        stopping = false;
        state = newState();
        Thread reader = new Thread(this::read, "onceflow-demo-auditor");
        reader.setDaemon(true);
        thread = reader;
        reader.start();
    }

    private void read() {
        LedgerAuditState counting = state;
        try (KafkaConsumer<byte[], byte[]> in = consumer();
                KafkaConsumer<byte[], byte[]> out = consumer()) {
            paymentsConsumer = in;
            outputsConsumer = out;
            assign(in, List.of(topics.payments()));
            assign(out, List.of(topics.ledger(), topics.deadLetters()));
            while (!stopping) {
                try {
                    ConsumerRecords<byte[], byte[]> polled = out.poll(Duration.ofMillis(200));
                    readPaymentsToEnd(in, counting);
                    polled.forEach(record -> output(record, counting));
                } catch (WakeupException e) {
                    // stop() woke us up
                } catch (KafkaException e) {
                    // a broker restarting, a timeout: the positions are kept, so read on from where we were
                    LOG.warn("audit: reading the ledger failed, retrying: {}", e.toString());
                    sleep();
                }
            }
        } catch (Throwable e) { // an Error too: the audit must say it stopped, not answer with frozen counts
            if (!stopping) {
                LOG.error("audit: stopped, its counts are frozen from now on", e);
                counting.stopped(Texts.shown(e.toString(), 300));
            }
        }
    }

    private void readPaymentsToEnd(KafkaConsumer<byte[], byte[]> in, LedgerAuditState counting) {
        Map<TopicPartition, Long> ends = in.endOffsets(in.assignment(), Duration.ofSeconds(10));
        while (!stopping && ends.entrySet().stream().anyMatch(end -> in.position(end.getKey()) < end.getValue())) {
            in.poll(Duration.ofMillis(100)).forEach(record -> payment(record, counting));
        }
    }

    private void payment(ConsumerRecord<byte[], byte[]> record, LedgerAuditState counting) {
        @Nullable Payment payment;
        try {
            byte[] value = record.value();
            payment = value == null ? null : PaymentRules.validate(payments.decode(value));
        } catch (RuntimeException e) {
            // unreadable or invalid: either way the pipeline must dead-letter it
            payment = null;
        }
        counting.payment(record.partition(), record.offset(), record.timestamp(), payment);
    }

    private void output(ConsumerRecord<byte[], byte[]> record, LedgerAuditState counting) {
        if (record.topic().equals(topics.ledger())) {
            try {
                counting.entry(ENTRIES.decode(record.value()));
            } catch (RuntimeException e) {
                counting.unreadableEntry();
            }
            return;
        }
        String topic = DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ORIGIN_TOPIC);
        if (topic != null && !topics.payments().equals(topic)) {
            return; // a dead letter of another pipeline's source
        }
        try {
            String partition = DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ORIGIN_PARTITION);
            String offset = DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ORIGIN_OFFSET);
            if (topic == null || partition == null || offset == null) {
                throw new IllegalArgumentException("no onceflow.origin.* headers");
            }
            counting.deadLetter(Integer.parseInt(partition), Long.parseLong(offset));
        } catch (RuntimeException e) {
            // a malformed origin header: an anomaly, counted, and the audit goes on
            LOG.warn(
                    "audit: the dead letter at {}-{}@{} has no readable origin: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    Texts.shown(e.toString(), 200));
            counting.unreadableDeadLetter();
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "onceflow-demo-auditor");
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void assign(KafkaConsumer<byte[], byte[]> consumer, List<String> names) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String name : names) {
            for (int p = 0; p < topics.partitionsOf(name); p++) {
                partitions.add(new TopicPartition(name, p));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    private static void sleep() {
        try {
            TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        stopping = true;
        KafkaConsumer<byte[], byte[]> in = paymentsConsumer;
        KafkaConsumer<byte[], byte[]> out = outputsConsumer;
        if (in != null) {
            in.wakeup();
        }
        if (out != null) {
            out.wakeup();
        }
        Thread reader = thread;
        if (reader != null) {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        Thread reader = thread;
        return reader != null && reader.isAlive() && !stopping;
    }

    /** Stops after the pipeline, so that it sees the final checkpoint's entries; before the embedded broker. */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE - 1500;
    }
}
