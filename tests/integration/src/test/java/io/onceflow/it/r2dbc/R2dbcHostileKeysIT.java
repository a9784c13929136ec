package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.KeyEncodingException;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Keys PostgreSQL cannot keep in an indexed text column, on the real server, through the commit point's keyed state:
 * an account id holding U+0000 (text cannot store it) and one of 5,000 random characters (a btree index entry holds
 * at most 2,704 bytes). Their balance rows cannot be written, so they are dead letters; their state is kept in the
 * state log, which folds never move into the state table, and a second run restores it. Before, the first fold that
 * met such a key failed its checkpoint, and every restart failed it again; a balance row with the long key failed its
 * checkpoint the same way (SQLSTATE 54000), where it must be a dead letter.
 */
@WithPostgres(lifetime = WithPostgres.Lifetime.PER_METHOD) // each test runs pipeline 'hostile-keys' from scratch
class R2dbcHostileKeysIT {

    private static final Pattern PAYMENTS = Pattern.compile("\"payments\":(\\d+)");
    private static final Pattern CENTS = Pattern.compile("\"cents\":(\\d+)");

    @Test
    void keysTheStateTableCannotIndexAreKeptInTheStateLogAndRestored(PostgresDatabase db) throws Exception {
        ConnectionPool pool = ledgerTables(db);
        try {
            Random random = new Random(3);
            StringBuilder longKey = new StringBuilder("acct-long-");
            for (int i = 0; i < 5_000; i++) {
                longKey.append((char) ('a' + random.nextInt(26)));
            }
            List<String> hostile = List.of("acct-\u0000-nul", longKey.toString());
            List<Payment> input = new ArrayList<>();
            for (long id = 0; id < 4_000; id++) {
                // every 40th payment goes to a hostile account, in turn
                String account = id % 40 == 3 ? hostile.get((int) (id / 40) % 2) : "acct-" + random.nextInt(30);
                input.add(new Payment(id, account, 1 + random.nextInt(1_000)));
            }

            // two runs, the second restoring what the first committed; each run takes many checkpoints, so that
            // every partition's state log folds several times
            run(pool, input.subList(0, 2_000), 0);
            run(pool, input, 2_000);

            Map<String, Balance> expected = balances(input);
            Map<String, Balance> table = Databases.balances(db);
            for (String account : expected.keySet()) {
                if (!hostile.contains(account)) {
                    assertThat(table.get(account)).as("balance of %s", account).isEqualTo(expected.get(account));
                }
            }
            assertThat(table).hasSize(expected.size() - hostile.size());
            // each balance of a hostile account is a dead letter whose payload is that balance: the last one holds
            // the account's whole history, across the restore
            List<String> payloads =
                    Databases.rows(db, "SELECT payload FROM dead_letters ORDER BY source_offset").stream()
                            .map(row -> row.get(0))
                            .toList();
            Map<String, List<String>> byAccount = Map.of(
                    "nul", payloads.stream().filter(p -> p.contains("-nul")).toList(),
                    "long",
                            payloads.stream()
                                    .filter(p -> p.contains("acct-long-"))
                                    .toList());
            assertThat(payloads)
                    .hasSize(byAccount.get("nul").size() + byAccount.get("long").size());
            for (String account : hostile) {
                List<String> ofAccount = byAccount.get(account.contains("-nul") ? "nul" : "long");
                Balance last = expected.get(account);
                assertThat(ofAccount)
                        .as("dead letters of %s", account.substring(0, Math.min(12, account.length())))
                        .hasSize((int) last.payments());
                String lastPayload = ofAccount.get(ofAccount.size() - 1);
                assertThat(number(PAYMENTS, lastPayload)).isEqualTo(last.payments());
                assertThat(number(CENTS, lastPayload)).isEqualTo(last.cents());
            }
        } finally {
            pool.dispose();
        }
    }

    /**
     * Keys with an unpaired UTF-16 surrogate beside the key UTF-8 would make of them: {@code acct-\uD800} and
     * {@code acct-\uDC00} were both stored as {@code acct-?}, so after a restore they shared the state of the real
     * {@code acct-?}. Now each of their payments is a dead letter of the keyed operator, and {@code acct-?} holds its
     * own payments only, across the restore.
     */
    @Test
    void keysWithAnUnpairedSurrogateAreDeadLetteredAndShareNoStateAcrossARestore(PostgresDatabase db) throws Exception {
        ConnectionPool pool = ledgerTables(db);
        try {
            List<String> hostile = List.of("acct-\uD800", "acct-\uDC00");
            Random random = new Random(5);
            List<Payment> input = new ArrayList<>();
            for (long id = 0; id < 4_000; id++) {
                String account = switch ((int) (id % 10)) {
                    case 3 -> hostile.get((int) (id / 10) % 2);
                    case 4 -> "acct-?";
                    default -> "acct-" + random.nextInt(30);
                };
                input.add(new Payment(id, account, 1 + random.nextInt(1_000)));
            }

            run(pool, input.subList(0, 2_000), 0);
            run(pool, input, 2_000);

            Map<String, Balance> expected = balances(input.stream()
                    .filter(payment -> !hostile.contains(payment.account()))
                    .toList());
            assertThat(Databases.balances(db)).isEqualTo(expected);
            assertThat(expected.get("acct-?").payments()).isEqualTo(400);
            List<List<String>> deadLetters = Databases.rows(db, "SELECT stage, error_class FROM dead_letters");
            assertThat(deadLetters)
                    .hasSize(400)
                    .allSatisfy(row ->
                            assertThat(row).containsExactly("keyed:balances", KeyEncodingException.class.getName()));
        } finally {
            pool.dispose();
        }
    }

    /** The balances table and Onceflow's tables, with a dead-letter table; a pool to them. */
    private static ConnectionPool ledgerTables(PostgresDatabase db) throws Exception {
        db.execute(Ledger.BALANCES_DDL);
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            OnceflowTables.defaults().create(pool, "dead_letters").block(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            pool.dispose();
            throw e;
        }
        return pool;
    }

    /** The balances after every one of {@code payments}, as one partition read to its end. */
    private static Map<String, Balance> balances(List<Payment> payments) {
        return Ledger.expected(List.of(payments), new long[] {payments.size()});
    }

    /**
     * Runs the job over {@code payments}, of which the first {@code committed} were committed by a run before: a
     * checkpoint every 100 payments, so that the partition's state log folds every few of them.
     */
    private static void run(ConnectionPool pool, List<Payment> payments, int committed) {
        TestSource<Payment> source = TestSource.create("payments", 1);
        payments.subList(0, committed).forEach(payment -> source.emitTo(0, payment));
        Pipeline pipeline = Onceflow.pipeline("hostile-keys")
                .checkpointEvery(Duration.ZERO)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                        .connectionFactory(pool)
                        .table("balances")
                        .key("account")
                        .columns(Ledger.COLUMNS)
                        .deadLetterTable("dead_letters")
                        .commitPoint()
                        .build()));
        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        Mono<Void> finished = pipeline.run().doOnNext(events::add).then().cache();
        finished.subscribe(done -> {}, failure -> {});
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> source.opens() > 0);
        for (int from = committed; from < payments.size(); from += 100) {
            payments.subList(from, Math.min(payments.size(), from + 100)).forEach(payment -> source.emitTo(0, payment));
            CheckpointEvent event = source.checkpoint().block(Duration.ofSeconds(30));
            assertThat(event.completed())
                    .as("checkpoint of payments from %d: %s", from, event)
                    .isTrue();
        }
        source.complete();
        finished.block(Duration.ofMinutes(1));
        assertThat(events).isNotEmpty().allMatch(CheckpointEvent::completed);
        assertThat(events).as("checkpoints enough for several folds").hasSizeGreaterThan(2 * 8);
    }

    private static long number(Pattern pattern, String json) {
        Matcher matcher = pattern.matcher(json);
        assertThat(matcher.find())
                .as("%s in %s", pattern, json.substring(0, Math.min(200, json.length())))
                .isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
