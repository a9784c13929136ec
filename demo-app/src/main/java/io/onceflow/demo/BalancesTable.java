package io.onceflow.demo;

import java.util.Map;
import java.util.TreeMap;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code balances} table in PostgreSQL: one row per account and currency, written by the pipeline's idempotent
 * R2DBC sink, read by the REST API and the audit. Every query is non-blocking (R2DBC).
 *
 * <p>The two version columns are the sink's: a row keeps the source partition and offset of the payment that wrote
 * it, and a replayed payment (an older offset) leaves the row as it is.
 *
 * @since 0.1
 */
final class BalancesTable {

    static final String NAME = "balances";

    static final String DDL = """
            CREATE TABLE IF NOT EXISTS balances (
              account text NOT NULL,
              currency text NOT NULL,
              balance_minor bigint NOT NULL,
              payments bigint NOT NULL,
              last_payment_id text NOT NULL,
              onceflow_partition text,
              onceflow_offset bigint,
              onceflow_ordinal integer NOT NULL DEFAULT 0,
              PRIMARY KEY (account, currency))""";

    /** A table of an earlier version of the demo lacks the version's third column. */
    static final String ADD_ORDINAL =
            "ALTER TABLE balances ADD COLUMN IF NOT EXISTS onceflow_ordinal integer NOT NULL DEFAULT 0";

    private final DatabaseClient db;

    BalancesTable(DatabaseClient db) {
        this.db = db;
    }

    /** Creates the table when it is missing. */
    Mono<Void> create() {
        return db.sql(DDL).then().then(db.sql(ADD_ORDINAL).then());
    }

    /** An account's balances, one per currency, in currency order; empty for an account never paid. */
    Flux<Balance> account(String account) {
        return db.sql("SELECT account, currency, balance_minor, payments, last_payment_id FROM balances"
                        + " WHERE account = :account ORDER BY currency")
                .bind("account", account)
                .map((row, meta) -> new Balance(
                        row.get("account", String.class),
                        row.get("currency", String.class),
                        row.get("balance_minor", Long.class),
                        row.get("payments", Long.class),
                        row.get("last_payment_id", String.class),
                        0))
                .all();
    }

    /** The sum of all balances per currency, and the number of rows. */
    Mono<Totals> totals() {
        return db.sql("SELECT currency, sum(balance_minor)::bigint AS total, count(*) AS rows"
                        + " FROM balances GROUP BY currency")
                .map((row, meta) -> new Object[] {
                    row.get("currency", String.class), row.get("total", Long.class), row.get("rows", Long.class)
                })
                .all()
                .collectList()
                .map(rows -> {
                    Map<String, Long> sums = new TreeMap<>();
                    long count = 0;
                    for (Object[] row : rows) {
                        sums.put((String) row[0], (Long) row[1]);
                        count += (Long) row[2];
                    }
                    return new Totals(sums, count);
                });
    }

    /**
     * What the table holds in sum.
     *
     * @param sumsMinor the sum of the balances per currency, in minor units
     * @param rows the number of balances
     */
    record Totals(Map<String, Long> sumsMinor, long rows) {}
}
