package io.onceflow.chaos.ledger;

import io.onceflow.core.ProtocolPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ledger jobs the campaign runs: two correct ones, and two broken on purpose to show that the verifier can fail.
 *
 * <p>Every variant reads the same input topic in a consumer group named after its pipeline, folds each account's
 * payments into a running {@link Balance}, and writes one entry per payment (the balance after it) and each
 * account's latest balance. Where they write:
 *
 * <pre>
 *   variant                commit point (entries, state, positions)      idempotent participant
 *   KAFKA                  topic &lt;pipeline&gt;-entries, one transaction      table &lt;pipeline&gt;_balances (versioned upsert)
 *   POSTGRES               table &lt;pipeline&gt;_entries, one transaction     table &lt;pipeline&gt;_balances (versioned upsert)
 *   BROKEN_OFFSETS_FIRST   as POSTGRES, but its positions are also sent to an "early offsets" consumer group before
 *                          the commit, and a restart resumes from there
 *   BROKEN_NOT_IDEMPOTENT  as POSTGRES, but the balances participant adds each checkpoint's amounts to the row
 * </pre>
 */
public enum LedgerVariant {
    /** (i) Kafka output as the commit point, PostgreSQL balances as an idempotent participant. */
    KAFKA(
            "ledger-kafka",
            true,
            true,
            List.of(
                    ProtocolPoint.AFTER_FLUSH,
                    ProtocolPoint.AFTER_SEND_OFFSETS,
                    ProtocolPoint.BEFORE_TRANSACTION_COMMIT,
                    ProtocolPoint.AFTER_COMMIT,
                    ProtocolPoint.DURING_REBALANCE,
                    ProtocolPoint.DURING_RESTORE)),
    /** (ii) PostgreSQL as the commit point, no Kafka output; PostgreSQL balances as an idempotent participant. */
    POSTGRES(
            "ledger-pg",
            false,
            true,
            List.of(
                    ProtocolPoint.AFTER_FLUSH,
                    ProtocolPoint.BEFORE_TRANSACTION_COMMIT,
                    ProtocolPoint.AFTER_COMMIT,
                    ProtocolPoint.DURING_REBALANCE,
                    ProtocolPoint.DURING_RESTORE)),
    /**
     * Broken: the positions go to Kafka group offsets (the "early offsets" group) before the PostgreSQL commit, and a
     * claim resumes from them. A crash between the two ({@code AFTER_SEND_OFFSETS}) loses the checkpoint's payments.
     */
    BROKEN_OFFSETS_FIRST("ledger-offsets-first", false, true, List.of(ProtocolPoint.AFTER_SEND_OFFSETS)),
    /**
     * Broken: the balances participant claims to be idempotent but adds each checkpoint's amounts and counts to the
     * row. A crash after its flush and before the commit ({@code AFTER_FLUSH}) adds a replayed checkpoint twice.
     */
    BROKEN_NOT_IDEMPOTENT("ledger-not-idempotent", false, false, List.of(ProtocolPoint.AFTER_FLUSH));

    /** The input topic every variant reads. */
    public static final String INPUT_TOPIC = "payments";

    private final String pipeline;
    private final boolean kafkaCommitPoint;
    private final boolean versionedBalances;
    private final List<ProtocolPoint> points;

    LedgerVariant(String pipeline, boolean kafkaCommitPoint, boolean versionedBalances, List<ProtocolPoint> points) {
        this.pipeline = pipeline;
        this.kafkaCommitPoint = kafkaCommitPoint;
        this.versionedBalances = versionedBalances;
        this.points = points;
    }

    /** The pipeline's name: also its consumer group and its transactional id prefix. */
    public String pipeline() {
        return pipeline;
    }

    /** True when the entries go to a Kafka topic in transactions (the Kafka commit point), false for PostgreSQL. */
    public boolean kafkaCommitPoint() {
        return kafkaCommitPoint;
    }

    /** Whether this variant is broken on purpose. */
    public boolean broken() {
        return name().startsWith("BROKEN_");
    }

    /** The protocol points at which the campaign crashes this variant's processors. */
    public List<ProtocolPoint> points() {
        return points;
    }

    /** The topic of the entries, for {@link #KAFKA}. */
    public String entriesTopic() {
        return pipeline + "-entries";
    }

    /** The table of the entries, for the PostgreSQL commit points. */
    public String entriesTable() {
        return tablePrefix() + "_entries";
    }

    /** The table of each account's latest balance. */
    public String balancesTable() {
        return tablePrefix() + "_balances";
    }

    /** The consumer group that {@link #BROKEN_OFFSETS_FIRST} sends its positions to first. */
    public String earlyOffsetsGroup() {
        return pipeline + "-early-offsets";
    }

    /** The tables this variant writes (besides Onceflow's own), as DDL. */
    public List<String> ddl() {
        List<String> statements = new ArrayList<>();
        if (!kafkaCommitPoint) {
            statements.add(
                    "CREATE TABLE IF NOT EXISTS " + entriesTable() + " (account text NOT NULL, n bigint NOT NULL,"
                            + " seq bigint NOT NULL, payment_id bigint NOT NULL, amount_cents bigint NOT NULL,"
                            + " balance_cents bigint NOT NULL, PRIMARY KEY (account, n))");
        }
        statements.add("CREATE TABLE IF NOT EXISTS " + balancesTable() + " (account text PRIMARY KEY,"
                + " balance_cents bigint NOT NULL, payments bigint NOT NULL, last_seq bigint NOT NULL,"
                + " last_payment_id bigint NOT NULL"
                + (versionedBalances
                        ? ", onceflow_partition text, onceflow_offset bigint, onceflow_ordinal integer"
                        : "")
                + ")");
        return statements;
    }

    private String tablePrefix() {
        return pipeline.replace('-', '_').toLowerCase(Locale.ROOT);
    }
}
