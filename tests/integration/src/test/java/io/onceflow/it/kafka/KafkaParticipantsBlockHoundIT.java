package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.it.blocking.BlockingCalls;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithKafka;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The participants never block a Reactor thread: the Kafka source, the Kafka transactional sink and the R2DBC upsert
 * sink, run under BlockHound with asynchronous user operators, with Kafka and then PostgreSQL as the commit point.
 * Their own blocking waits are on threads of their own (the consumer's poll thread, the producer thread), which
 * BlockHound leaves alone; a blocking call on a Reactor thread is recorded with its stack and fails the test. Runs
 * in a failsafe execution of its own, since BlockHound instruments the whole JVM.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
@WithPostgres
class KafkaParticipantsBlockHoundIT {

    private static final int PAYMENTS = 5_000;

    static {
        KafkaTestLogging.quiet();
    }

    @BeforeAll
    static void installBlockHound() {
        BlockingCalls.install();
    }

    @BeforeEach
    void forgetEarlierCalls() {
        BlockingCalls.install();
    }

    @Test
    void blockHoundSeesABlockingCallOnAReactorThread() {
        Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return 1;
                })
                .subscribeOn(Schedulers.parallel())
                .block(Duration.ofSeconds(10));
        assertThat(BlockingCalls.seen()).anySatisfy(call -> assertThat(call).contains("sleep"));
    }

    @Test
    void kafkaToKafka(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("nb-in", 3);
        broker.createTopic("nb-out", 3);
        Input input = KafkaLedger.produce(bootstrap, "nb-in", 0, PAYMENTS, 100, 11);

        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline("nb-kafka", "0", new SimpleMeterRegistry()),
                KafkaLedger.sourceOptions(bootstrap, "nb-in").build(),
                KafkaLedger.sinkOptions(bootstrap).build(),
                "nb-out",
                flux -> flux.flatMap(p -> Mono.just(p).publishOn(Schedulers.parallel()), 4));
        runUntilCaughtUp(pipeline, bootstrap, "nb-kafka", "nb-in");

        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, "nb-out"), input);
        assertThat(BlockingCalls.seen()).as("blocking calls on Reactor threads").isEmpty();
    }

    @Test
    void kafkaToPostgres(KafkaBroker broker, PostgresDatabase db) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("nb-pg-in", 3);
        Input input = KafkaLedger.produce(bootstrap, "nb-pg-in", 0, PAYMENTS, 100, 12);
        db.execute("CREATE TABLE balances (account text PRIMARY KEY, balance_cents bigint NOT NULL,"
                + " payments bigint NOT NULL, last_payment bigint NOT NULL)");
        ConnectionPool pool =
                new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(db.r2dbcUrl()))
                        .maxSize(4)
                        .build());
        try {
            OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
            R2dbcUpsertSink<Balance> sink = R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                    .connectionFactory(pool)
                    .table("balances")
                    .key("account")
                    .columns(b -> Row.of(
                            "account", b.account(),
                            "balance_cents", b.cents(),
                            "payments", b.payments(),
                            "last_payment", b.lastPaymentId()))
                    .commitPoint()
                    .build());
            Pipeline pipeline = KafkaLedger.pipeline("nb-pg", "0", new SimpleMeterRegistry())
                    .from(KafkaSource.create(
                            KafkaLedger.sourceOptions(bootstrap, "nb-pg-in").build()))
                    .concatMap(p -> Mono.just(p).publishOn(Schedulers.parallel()))
                    .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                    .to(sink);
            runUntilCaughtUp(pipeline, bootstrap, "nb-pg", "nb-pg-in");
        } finally {
            pool.dispose();
        }

        assertThat(balances(db)).isEqualTo(input.sums());
        assertThat(BlockingCalls.seen()).as("blocking calls on Reactor threads").isEmpty();
    }

    private static void runUntilCaughtUp(Pipeline pipeline, String bootstrap, String group, String topic)
            throws Exception {
        Disposable running = pipeline.run().subscribe();
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, group, topic, Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }
    }

    /** Each account's balance, read with plain JDBC. */
    private static Map<String, Long> balances(PostgresDatabase db) throws Exception {
        Map<String, Long> rows = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT account, balance_cents FROM balances")) {
            while (result.next()) {
                rows.put(result.getString(1), result.getLong(2));
            }
        }
        return rows;
    }
}
