package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithKafka;
import io.onceflow.testinfra.WithPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A Spring Boot WebFlux application on a real Kafka broker and a real PostgreSQL: the library's auto-configuration
 * with Boot's own R2DBC pool, meter registry, web server and Actuator, and one {@code Pipeline} bean (payments from
 * Kafka, a keyed balance per account, the balances table as the commit point).
 *
 * <ol>
 *   <li>Graceful: with an hour between checkpoints, nothing is committed while the application runs; closing the
 *       context takes the final checkpoint before the connection pool closes, and the table then holds every
 *       payment.
 *   <li>Abrupt: with {@code onceflow.runner.shutdown-timeout=0s}, the context closes while payments arrive and
 *       checkpoints commit, without a final checkpoint.
 *   <li>Restart: a new application resumes from the last commit; every payment has had exactly one effect (payment
 *       count and balance per account), and the committed offsets cover the whole topic.
 * </ol>
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
@WithPostgres
class SpringPipelineIT {

    private static final int ACCOUNTS = 40;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** A payment, as the topic carries it: {@code account:cents}. */
    record Payment(String account, long cents) {
        static Payment parse(String text) {
            int colon = text.indexOf(':');
            return new Payment(text.substring(0, colon), Long.parseLong(text.substring(colon + 1)));
        }
    }

    /** An account's running balance and the number of payments in it. */
    record Balance(String account, long cents, long payments) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.cents(), payments + 1);
        }

        Row row() {
            return Row.of("account", account, "balance_cents", cents, "payments", payments);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class LedgerApplication {
        @Bean
        Pipeline ledger(OnceflowPipelines pipelines, OnceflowKafka kafka, OnceflowPostgres postgres) {
            KafkaSource<String> payments = KafkaSource.create(kafka.sourceOptions()
                    .topic("payments")
                    .valueFormat(Format.utf8())
                    .build());
            R2dbcUpsertSink<Balance> balances = R2dbcUpsertSink.create(postgres.<Balance>sinkOptions()
                    .table("balances")
                    .key("account")
                    .columns(Balance::row)
                    .commitPoint()
                    .build());
            return pipelines
                    .pipeline("ledger")
                    .from(payments)
                    .map(Payment::parse)
                    .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                    .to(balances);
        }
    }

    @Test
    void gracefulAndAbruptStopsLeaveEveryPaymentWithExactlyOneEffect(KafkaBroker broker, PostgresDatabase db)
            throws Exception {
        broker.createTopic("payments", 3);
        db.execute("CREATE TABLE balances (account text PRIMARY KEY, balance_cents bigint NOT NULL,"
                + " payments bigint NOT NULL)");
        Map<String, long[]> expected = new TreeMap<>();
        Random random = new Random(7);
        try (KafkaProducer<String, String> producer = producer(broker)) {
            // 1. graceful: everything read is committed by the final checkpoint, and only by it
            ConfigurableApplicationContext first = start(broker, db, "onceflow.pipeline.checkpoint-every=1h");
            send(producer, 1_000, random, expected);
            await("all read, none committed").atMost(WAIT).until(() -> buffered(first) == 1_000);
            assertThat(db.queryForLong("SELECT count(*) FROM balances"))
                    .as("committed while running")
                    .isZero();
            int port = Integer.parseInt(first.getEnvironment().getProperty("local.server.port"));
            WebTestClient web = WebTestClient.bindToServer()
                    .baseUrl("http://127.0.0.1:" + port)
                    .build();
            web.get()
                    .uri("/actuator/health")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.components.onceflow.components.ledger.status")
                    .isEqualTo("UP")
                    .jsonPath("$.components.onceflow.components.ledger.details.state")
                    .isEqualTo("RUNNING");
            web.get()
                    .uri("/actuator/onceflow")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.ledger.state")
                    .isEqualTo("RUNNING");
            ManagedPipeline firstLedger = first.getBean(OnceflowRunner.class).pipeline("ledger");
            first.close();
            assertThat(firstLedger.state()).isEqualTo(ManagedPipeline.State.STOPPED);
            assertThat(balances(db)).as("after the final checkpoint").isEqualTo(expected);

            // 2. abrupt: the context closes mid-stream, without a final checkpoint
            ConfigurableApplicationContext second = start(
                    broker, db, "onceflow.pipeline.checkpoint-every=200ms", "onceflow.runner.shutdown-timeout=0s");
            ManagedPipeline secondLedger = second.getBean(OnceflowRunner.class).pipeline("ledger");
            CompletableFuture<Void> sending =
                    CompletableFuture.runAsync(() -> send(producer, 2_000, random, expected, 20));
            await("checkpoints of the second run")
                    .atMost(WAIT)
                    .until(() -> db.queryForLong("SELECT coalesce(sum(payments), 0) FROM balances") > 1_400);
            second.close();
            assertThat(secondLedger.state()).isEqualTo(ManagedPipeline.State.ABORTED);
            sending.get();

            // 3. restart: resumes from the last commit, nothing lost, nothing twice
            ConfigurableApplicationContext third = start(broker, db, "onceflow.pipeline.checkpoint-every=200ms");
            await("every payment").atMost(WAIT).until(() -> balances(db).equals(expected));
            assertThat(db.queryForLong("SELECT sum(next_offset) FROM onceflow_offsets WHERE pipeline = 'ledger'"))
                    .isEqualTo(3_000);
            WebTestClient.bindToServer()
                    .baseUrl("http://127.0.0.1:" + third.getEnvironment().getProperty("local.server.port"))
                    .build()
                    .post()
                    .uri("/actuator/onceflow/ledger")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.outcome")
                    .isEqualTo("COMPLETED");
            third.close();
        }
    }

    private static ConfigurableApplicationContext start(KafkaBroker broker, PostgresDatabase db, String... more) {
        List<String> properties = new ArrayList<>(List.of(
                "server.port=0",
                "server.address=127.0.0.1",
                "spring.kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "spring.r2dbc.url=" + db.r2dbcUrl(),
                "onceflow.postgres.create-tables=true",
                "onceflow.pipeline.max-checkpoint-age=3h",
                "onceflow.pipeline.restart.min-backoff=100ms",
                "onceflow.pipeline.restart.max-backoff=1s",
                "management.endpoints.web.exposure.include=health,onceflow",
                "management.endpoint.health.show-details=always",
                "management.endpoint.onceflow.access=unrestricted"));
        properties.addAll(List.of(more));
        return new SpringApplicationBuilder(LedgerApplication.class)
                .properties(properties.toArray(String[]::new))
                .run();
    }

    /** Records the sink holds for the next checkpoint (the pipeline counts records read only at checkpoints). */
    private static long buffered(ConfigurableApplicationContext context) {
        Gauge gauge = context.getBean(MeterRegistry.class)
                .find(OnceflowMeters.SINK_BUFFERED)
                .tag(OnceflowMeters.TAG_PIPELINE, "ledger")
                .gauge();
        return gauge == null ? -1 : Math.round(gauge.value());
    }

    private static KafkaProducer<String, String> producer(KafkaBroker broker) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static void send(
            KafkaProducer<String, String> producer, int count, Random random, Map<String, long[]> expected) {
        send(producer, count, random, expected, count);
    }

    /** Sends {@code count} payments keyed by account, in batches of {@code batch}, each acknowledged before the next. */
    private static void send(
            KafkaProducer<String, String> producer, int count, Random random, Map<String, long[]> expected, int batch) {
        for (int i = 0; i < count; i++) {
            String account = "acct-" + random.nextInt(ACCOUNTS);
            long cents = 1 + random.nextInt(10_000);
            synchronized (expected) {
                long[] sum = expected.computeIfAbsent(account, a -> new long[2]);
                sum[0] += cents;
                sum[1]++;
            }
            producer.send(new ProducerRecord<>("payments", account, account + ":" + cents));
            if ((i + 1) % batch == 0) {
                producer.flush();
            }
        }
        producer.flush();
    }

    /** The table, as balance and payment count per account. */
    private static Map<String, long[]> balances(PostgresDatabase db) throws SQLException {
        Map<String, long[]> table = new TreeMap<>();
        try (Connection connection = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT account, balance_cents, payments FROM balances")) {
            while (rows.next()) {
                table.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
            }
        }
        return new ComparableBalances(table);
    }

    /** A map whose values compare by content, so that two ledgers can be compared with equals. */
    private static final class ComparableBalances extends TreeMap<String, long[]> {
        private static final long serialVersionUID = 1L;

        ComparableBalances(Map<String, long[]> from) {
            super(from);
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Map<?, ?> map) || map.size() != size()) {
                return false;
            }
            for (Map.Entry<String, long[]> entry : entrySet()) {
                if (!(map.get(entry.getKey()) instanceof long[] values)
                        || !java.util.Arrays.equals(values, entry.getValue())) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return size();
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder("{");
            forEach((account, values) -> out.append(account)
                    .append('=')
                    .append(java.util.Arrays.toString(values))
                    .append(' '));
            return out.append('}').toString();
        }
    }
}
