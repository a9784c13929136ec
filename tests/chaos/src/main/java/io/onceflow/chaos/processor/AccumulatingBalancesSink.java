package io.onceflow.chaos.processor;

import io.onceflow.chaos.ledger.Balance;
import io.onceflow.core.Data;
import io.onceflow.core.IdempotentSink;
import io.onceflow.core.Marker;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SinkWriter;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * <strong>Broken on purpose</strong>: a balances sink that declares itself idempotent and is not.
 *
 * <p>Each checkpoint adds its payments' amounts and counts to the accounts' rows ({@code balance = balance + delta}),
 * instead of writing the balance the keyed state computed, guarded by a version. The engine flushes idempotent sinks
 * before the commit point commits; a crash after this flush and before that commit
 * ({@link io.onceflow.core.ProtocolPoint#AFTER_FLUSH}) replays the checkpoint into this sink, which adds it a second
 * time. The campaign must catch it as duplicates in the balances table.
 */
final class AccumulatingBalancesSink implements IdempotentSink<Balance> {

    private final ConnectionFactory database;
    private final String table;

    AccumulatingBalancesSink(ConnectionFactory database, String table) {
        this.database = database;
        this.table = table;
    }

    @Override
    public String name() {
        return "balances";
    }

    @Override
    public Mono<SinkWriter<Balance>> open(SinkContext context) {
        return Mono.just(new Writer(database, table));
    }

    /** The change a checkpoint makes to one account. */
    private record Delta(long cents, long payments, long lastSeq, long lastPaymentId) {
        Delta plus(Balance balance) {
            return new Delta(
                    cents + balance.lastAmountCents(), payments + 1, balance.lastSeq(), balance.lastPaymentId());
        }
    }

    /** One run's writer: the deltas of the open checkpoint, by account. */
    private static final class Writer implements SinkWriter<Balance> {
        private final ConnectionFactory database;
        private final String sql;
        private final AtomicInteger buffered = new AtomicInteger();
        private Map<String, Delta> open = new LinkedHashMap<>();
        private int openRecords;

        Writer(ConnectionFactory database, String table) {
            this.database = database;
            this.sql = "INSERT INTO " + table + " AS b (account, balance_cents, payments, last_seq, last_payment_id)"
                    + " SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])"
                    + " ON CONFLICT (account) DO UPDATE SET balance_cents = b.balance_cents + EXCLUDED.balance_cents,"
                    + " payments = b.payments + EXCLUDED.payments, last_seq = EXCLUDED.last_seq,"
                    + " last_payment_id = EXCLUDED.last_payment_id";
        }

        @Override
        public void write(Data<Balance> record) {
            Balance balance = record.value();
            open.merge(balance.account(), new Delta(0, 0, 0, -1).plus(balance), (was, one) -> was.plus(balance));
            openRecords++;
            buffered.incrementAndGet();
        }

        @Override
        public Mono<Void> checkpoint(Marker<?> marker) {
            Map<String, Delta> sealed = open;
            int records = openRecords;
            open = new LinkedHashMap<>();
            openRecords = 0;
            if (sealed.isEmpty()) {
                return Mono.empty();
            }
            return Mono.usingWhen(
                            Mono.from(database.create()),
                            connection -> add(connection, sealed),
                            Connection::close,
                            (connection, error) -> connection.close(),
                            Connection::close)
                    .publishOn(Schedulers.parallel())
                    .doFinally(signal -> buffered.addAndGet(-records));
        }

        private Mono<Void> add(Connection connection, Map<String, Delta> deltas) {
            int size = deltas.size();
            String[] accounts = new String[size];
            Long[] cents = new Long[size];
            Long[] payments = new Long[size];
            Long[] seqs = new Long[size];
            Long[] ids = new Long[size];
            int i = 0;
            for (Map.Entry<String, Delta> entry : deltas.entrySet()) {
                accounts[i] = entry.getKey();
                cents[i] = entry.getValue().cents();
                payments[i] = entry.getValue().payments();
                seqs[i] = entry.getValue().lastSeq();
                ids[i] = entry.getValue().lastPaymentId();
                i++;
            }
            return Mono.from(connection.beginTransaction())
                    .thenMany(Flux.from(connection
                                    .createStatement(sql)
                                    .bind(0, accounts)
                                    .bind(1, cents)
                                    .bind(2, payments)
                                    .bind(3, seqs)
                                    .bind(4, ids)
                                    .execute())
                            .concatMap(Result::getRowsUpdated))
                    .then(Mono.from(connection.commitTransaction()));
        }

        @Override
        public int bufferedRecords() {
            return buffered.get();
        }

        @Override
        public int maxBufferedRecords() {
            return 100_000;
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }
}
