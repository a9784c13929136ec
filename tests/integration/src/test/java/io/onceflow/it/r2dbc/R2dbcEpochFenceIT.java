package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.CommitPoint;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.FencedException;
import io.onceflow.core.Marker;
import io.onceflow.core.Onceflow;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.Origin;
import io.onceflow.core.PartitionFencedException;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import io.onceflow.core.Positions;
import io.onceflow.core.Recovery;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Epoch fencing, with two owners of one partition driven directly through the commit point's writers: once the new
 * owner has claimed the partition, the stale owner's commit is rejected with a {@link PartitionFencedException} and
 * rolled back, with no effect on any table; a checkpoint sealed before its own run claimed the partition again does
 * not commit under the new claim; a pipeline whose partition moved restarts and claims again (before, it
 * stopped for good after a GC pause); an instance opened twice stops with a {@link FencedException}; a claim made
 * while a commit is in flight waits for it.
 */
@WithPostgres
class R2dbcEpochFenceIT {

    private static final SourcePartition P0 = SourcePartition.of("payments", 0);
    private static ConnectionPool pool;

    @BeforeAll
    static void setUp(PostgresDatabase db) throws Exception {
        db.execute(Ledger.BALANCES_DDL);
        pool = Databases.pool(db, 4);
        OnceflowTables.defaults().create(pool, "dead_letters").block(Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        pool.dispose();
    }

    @BeforeEach
    void empty(PostgresDatabase db) throws Exception {
        db.execute(
                "TRUNCATE balances, onceflow_offsets, onceflow_state, onceflow_state_log, onceflow_checkpoints, dead_letters");
    }

    @Test
    void theStaleOwnersCommitIsRejectedAndHasNoEffect(PostgresDatabase db) throws Exception {
        CommitPoint<Balance> sink = commitPoint(pool);
        CommitPointWriter<Balance> first = open(sink, "a");
        assertThat(first.recover(List.of(P0)).block()).isEqualTo(Recovery.empty());
        first.write(record(new Balance("x", 10, 1, 0), 0));
        first.checkpoint(marker(1, 1, state("x", "10"))).block(Duration.ofSeconds(10));

        // a second owner claims the partition: it gets the first owner's positions and state, and a newer epoch
        CommitPointWriter<Balance> second = open(sink, "b");
        Recovery recovery = second.recover(List.of(P0)).block(Duration.ofSeconds(10));
        assertThat(recovery.positions()).isEqualTo(Positions.of(Map.of(P0, 1L)));
        assertThat(recovery.state()).containsExactly(state("x", "10"));

        List<List<String>> before = everything(db);
        first.write(record(new Balance("x", 25, 2, 1), 1));
        first.write(record(new Balance("y", 5, 1, 2), 2));
        assertThatThrownBy(
                        () -> first.checkpoint(marker(2, 3, state("x", "25"))).block(Duration.ofSeconds(10)))
                .isInstanceOf(PartitionFencedException.class)
                .hasMessageContaining("rolled back")
                .hasMessageContaining("payments-0 (epoch 2, owner b)")
                .satisfies(error -> assertThat(((OnceflowException) error).isRetryable())
                        .as("a partition that moved restarts the run; it does not stop it")
                        .isTrue());
        assertThat(everything(db))
                .as("every Onceflow table and the sink's, after the stale commit")
                .isEqualTo(before);
        assertThat(db.queryForLong("SELECT checkpoint_id FROM onceflow_checkpoints WHERE instance_id = 'a'"))
                .isEqualTo(1);

        // the new owner replays from offset 1 and commits
        second.write(record(new Balance("x", 25, 2, 1), 1));
        second.checkpoint(marker(1, 2, state("x", "25"))).block(Duration.ofSeconds(10));
        assertThat(Databases.balances(db)).containsExactly(Map.entry("x", new Balance("x", 25, 2, 1)));
        assertThat(Databases.nextOffsets(db, "fence", 1)).containsExactly(2);
        assertThat(db.queryForLong("SELECT epoch FROM onceflow_offsets")).isEqualTo(2);
    }

    @Test
    void aCheckpointSealedBeforeItsRunClaimedThePartitionAgainDoesNotCommit(PostgresDatabase db) throws Exception {
        CommitPoint<Balance> sink = commitPoint(pool);
        CommitPointWriter<Balance> first = open(sink, "a");
        first.recover(List.of(P0)).block(Duration.ofSeconds(10));
        first.write(record(new Balance("x", 10, 1, 0), 0));
        first.checkpoint(marker(1, 1, state("x", "10"))).block(Duration.ofSeconds(10));

        // checkpoint 2 is sealed (its marker reached the sink), and its commit has not begun ...
        first.write(record(new Balance("x", 25, 2, 1), 1));
        Mono<Void> sealedBefore = first.checkpoint(marker(2, 2, state("x", "25")));

        // ... while the partition goes to b, which commits beyond it, and comes back to the same run of a
        CommitPointWriter<Balance> second = open(sink, "b");
        second.recover(List.of(P0)).block(Duration.ofSeconds(10));
        second.write(record(new Balance("x", 25, 2, 1), 1));
        second.write(record(new Balance("x", 33, 3, 2), 2));
        second.checkpoint(marker(1, 3, state("x", "33"))).block(Duration.ofSeconds(10));
        Recovery again = first.recover(List.of(P0)).block(Duration.ofSeconds(10));
        assertThat(again.positions()).isEqualTo(Positions.of(Map.of(P0, 3L)));
        assertThat(again.state()).containsExactly(state("x", "33"));

        // under the new claim's epoch the fence would pass: position 3 back to 2, and x's state back to 25
        List<List<String>> before = everything(db);
        assertThatThrownBy(() -> sealedBefore.block(Duration.ofSeconds(10)))
                .isInstanceOf(FencedException.class)
                .hasMessageContaining("payments-0 (sealed at epoch 1, claimed again at 3)");
        assertThat(everything(db)).as("every table, after the refused commit").isEqualTo(before);
        assertThat(Databases.nextOffsets(db, "fence", 1)).containsExactly(3);
    }

    @Test
    void aPipelineWhosePartitionWasClaimedMeanwhileRestartsAndClaimsAgain(PostgresDatabase db) throws Exception {
        TestSource<Payment> source = TestSource.create("payments", 1);
        List<Payment> payments = Ledger.payments(3_000, 20, 1, 5).get(0);
        payments.forEach(payment -> source.emitTo(0, payment));
        source.complete();
        AtomicInteger fences = new AtomicInteger();
        // as the second checkpoint's transaction starts, another instance claims the partition: a GC pause past the
        // session, and the group moved it
        ConnectionSpy pausedOwner = new ConnectionSpy(pool)
                .beforeExecute(sql -> sql.startsWith("WITH positions AS") && fences.incrementAndGet() == 2
                        ? Mono.fromCallable(() -> open(commitPoint(pool), "b"))
                                .subscribeOn(Schedulers.boundedElastic())
                                .flatMap(other -> other.recover(List.of(P0)))
                                .then()
                        : Mono.empty());
        CommitPoint<Balance> sink = commitPoint(pausedOwner);
        Pipeline pipeline = Onceflow.pipeline("fence")
                .instanceId("a")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(500)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofMillis(10), Duration.ofMillis(50)))
                .from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sink);

        List<CheckpointEvent> events = pipeline.run().collectList().block(Duration.ofMinutes(1));

        assertThat(events)
                .filteredOn(event -> !event.completed())
                .singleElement()
                .satisfies(failed -> assertThat(failed.error().orElseThrow())
                        .hasRootCauseInstanceOf(PartitionFencedException.class));
        assertThat(pipeline.status().restarts()).isEqualTo(1);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
        assertThat(Databases.balances(db)).isEqualTo(Ledger.expected(List.of(payments), new long[] {3_000}));
        assertThat(Databases.nextOffsets(db, "fence", 1)).containsExactly(3_000);
        assertThat(db.queryForLong("SELECT epoch FROM onceflow_offsets"))
                .as("claimed by a, by b, and by a again")
                .isEqualTo(3);
    }

    @Test
    void reopeningAnInstanceFencesItsPredecessor(PostgresDatabase db) throws Exception {
        CommitPoint<Balance> sink = commitPoint(pool);
        CommitPointWriter<Balance> zombie = open(sink, "a");
        zombie.recover(List.of(P0)).block();
        zombie.write(record(new Balance("x", 10, 1, 0), 0));
        zombie.checkpoint(marker(1, 1, state("x", "10"))).block(Duration.ofSeconds(10));

        CommitPointWriter<Balance> successor = open(sink, "a");
        assertThat(successor.lastCompletedCheckpoint()).isEqualTo(1);
        List<List<String>> before = everything(db);
        // even a commit without positions: the instance's epoch moved on
        assertThatThrownBy(
                        () -> zombie.checkpoint(Marker.of(2, Positions.empty())).block(Duration.ofSeconds(10)))
                .isInstanceOf(FencedException.class)
                .hasMessageContaining("opened again");
        assertThat(everything(db)).isEqualTo(before);
    }

    @Test
    void aClaimDuringACommitWaitsForIt(PostgresDatabase db) throws Exception {
        AtomicReference<CompletableFuture<Recovery>> claim = new AtomicReference<>();
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean claimedDuringCommit = new AtomicBoolean();
        CommitPointWriter<Balance> claimer = open(commitPoint(pool), "b");
        // the first owner's COMMIT waits while the second owner tries to claim the partition, then goes on
        ConnectionSpy spy = new ConnectionSpy(pool)
                .beforeCommit(commit -> armed.getAndSet(false)
                        ? Mono.fromRunnable(() -> {
                                    claim.set(claimer.recover(List.of(P0)).toFuture());
                                    sleep(300);
                                    claimedDuringCommit.set(claim.get().isDone());
                                })
                                .subscribeOn(Schedulers.boundedElastic())
                                .then()
                        : Mono.empty());
        CommitPointWriter<Balance> owner = open(commitPoint(spy), "a");
        owner.recover(List.of(P0)).block();
        owner.write(record(new Balance("x", 10, 1, 0), 0));
        armed.set(true);
        owner.checkpoint(marker(1, 1, state("x", "10"))).block(Duration.ofSeconds(10));

        assertThat(claim.get()).isNotNull();
        assertThat(claimedDuringCommit)
                .as("claim completed while the commit held the offsets row")
                .isFalse();
        Recovery recovery = claim.get().get();
        // the claim saw the commit that was in flight: it waited on the offsets row's lock
        assertThat(recovery.positions()).isEqualTo(Positions.of(Map.of(P0, 1L)));
        assertThat(Databases.balances(db)).containsKey("x");
        assertThat(db.queryForLong("SELECT epoch FROM onceflow_offsets")).isEqualTo(2);
    }

    private static CommitPoint<Balance> commitPoint(io.r2dbc.spi.ConnectionFactory factory) {
        return (CommitPoint<Balance>) R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(factory)
                .table("balances")
                .key("account")
                .columns(Ledger.COLUMNS)
                .commitPoint()
                .deadLetterTable("dead_letters")
                .build());
    }

    private static CommitPointWriter<Balance> open(CommitPoint<Balance> sink, String instance) {
        return sink.open(TestSinkContext.of("fence", instance, "balances")).block(Duration.ofSeconds(10));
    }

    private static Data<Balance> record(Balance balance, long offset) {
        return new Data<>(balance, new Origin("payments", 0, offset, offset));
    }

    private static StateChange state(String key, String cents) {
        return new StateChange("keyed-0", P0, key, cents.getBytes(StandardCharsets.UTF_8));
    }

    private static Marker<Balance> marker(long checkpoint, long nextOffset, StateChange change) {
        return new Marker<>(checkpoint, Positions.of(Map.of(P0, nextOffset)), List.of(change));
    }

    private static List<List<String>> everything(PostgresDatabase db) throws Exception {
        List<List<String>> rows = new java.util.ArrayList<>();
        rows.addAll(Databases.rows(db, "SELECT * FROM balances ORDER BY account"));
        rows.addAll(Databases.rows(
                db,
                "SELECT pipeline, source, source_partition, next_offset, epoch, owner,"
                        + " checkpoint_id, updated_at FROM onceflow_offsets ORDER BY source_partition"));
        rows.addAll(Databases.rows(db, "SELECT * FROM onceflow_state ORDER BY state_key"));
        rows.addAll(Databases.rows(
                db, "SELECT * FROM onceflow_state_log ORDER BY source, source_partition, epoch, checkpoint_id"));
        rows.addAll(Databases.rows(db, "SELECT * FROM onceflow_checkpoints ORDER BY instance_id"));
        rows.addAll(Databases.rows(db, "SELECT * FROM dead_letters ORDER BY id"));
        return rows;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
