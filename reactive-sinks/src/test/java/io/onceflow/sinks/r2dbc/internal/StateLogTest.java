package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * The state log against a model of what was committed: whatever mix of appends and folds the checkpoints made, the
 * state table's rows with the log's rows applied are exactly the committed state, for a run that goes on and for a
 * new owner that claims the partitions.
 */
class StateLogTest {

    private static final SourcePartition P0 = SourcePartition.of("payments", 0);
    private static final SourcePartition P1 = SourcePartition.of("payments", 1);

    /** The database: the state table and the log rows, as the commit point's statements leave them. */
    private static final class Database {
        final Map<String, byte[]> table = new TreeMap<>();
        final Map<SourcePartition, List<byte[]>> log = new HashMap<>();

        void apply(StateLog.Plan plan) {
            for (StateLog.Row row : plan.appended) {
                log.computeIfAbsent(row.partition(), p -> new ArrayList<>()).add(row.entries());
            }
            for (StateChange change : plan.upserts) {
                assertThat(StateLog.tableHolds(change.key()))
                        .as("a key the state table refuses is never upserted")
                        .isTrue();
                table.put(id(change), change.value());
            }
            for (StateChange change : plan.deletes) {
                assertThat(change.key()).as("PostgreSQL text has no U+0000").doesNotContain("\u0000");
                table.remove(id(change));
            }
            for (SourcePartition partition : plan.folded) {
                log.remove(partition);
            }
            for (StateLog.Row row : plan.carried) {
                log.computeIfAbsent(row.partition(), p -> new ArrayList<>()).add(row.entries());
            }
        }

        List<StateChange> base(SourcePartition partition) {
            List<StateChange> rows = new ArrayList<>();
            table.forEach((id, value) -> {
                String[] parts = id.split("/", 3);
                if (parts[0].equals(partition.toString())) {
                    rows.add(new StateChange(parts[1], partition, parts[2], value));
                }
            });
            return rows;
        }
    }

    /** Keys the state table cannot hold: U+0000, and over its size limit in characters or in UTF-8 bytes only. */
    private static final List<String> UNFOLDABLE =
            List.of("nul\u0000", "long-" + "y".repeat(2_100), "wide-" + "\u00e9".repeat(1_100));

    @Test
    void keysTheStateTableCannotHoldAreToldApart() {
        assertThat(StateLog.tableHolds("acct-17")).isTrue();
        assertThat(StateLog.tableHolds("x".repeat(StateLog.MAX_TABLE_KEY_BYTES)))
                .isTrue();
        assertThat(StateLog.tableHolds("\u00e9".repeat(StateLog.MAX_TABLE_KEY_BYTES / 2)))
                .isTrue();
        assertThat(UNFOLDABLE).noneMatch(StateLog::tableHolds);
    }

    @Test
    void aFoldKeepsTheKeysTheTableCannotHoldInTheLogItStartsAgain() {
        Database db = new Database();
        StateLog log = new StateLog();
        claim(log, db, 1);
        for (int checkpoint = 0; checkpoint < StateLog.FOLD_EVERY * 2; checkpoint++) {
            List<StateChange> changes = new ArrayList<>();
            changes.add(new StateChange("balances", P0, "k1", bytes("v" + checkpoint)));
            for (String key : UNFOLDABLE) {
                changes.add(new StateChange("balances", P0, key, bytes(key.substring(0, 3) + checkpoint)));
            }
            StateLog.Plan plan = log.plan(changes, Map.of(P0, 1L, P1, 1L));
            db.apply(plan);
            log.committed(plan);
        }

        assertThat(db.table).containsOnlyKeys("payments-0/balances/k1");
        assertThat(db.log.get(P0))
                .as("the log holds the carried entries and what came since")
                .isNotEmpty();
        int last = StateLog.FOLD_EVERY * 2 - 1;
        Map<String, String> expected = new TreeMap<>();
        expected.put("payments-0/balances/k1", "v" + last);
        for (String key : UNFOLDABLE) {
            expected.put("payments-0/balances/" + key, key.substring(0, 3) + last);
        }
        assertThat(asText(claim(new StateLog(), db, 2))).isEqualTo(expected);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String id(StateChange change) {
        return change.partition() + "/" + change.operator() + "/" + change.key();
    }

    private static Map<String, String> asText(List<StateChange> state) {
        Map<String, String> text = new TreeMap<>();
        for (StateChange change : state) {
            assertThat(change.isTombstone()).isFalse();
            String previous = text.put(id(change), new String(change.value(), StandardCharsets.UTF_8));
            assertThat(previous).as("one entry per key").isNull();
        }
        return text;
    }

    @RepeatedTest(40)
    void theTableWithTheLogAppliedIsTheCommittedStateAtEveryClaim(RepetitionInfo repetition) {
        Random random = new Random(repetition.getCurrentRepetition() * 7919L);
        Database db = new Database();
        Map<String, String> committed = new TreeMap<>();
        long epoch = 1;
        StateLog log = new StateLog();
        claim(log, db, epoch);
        int checkpoints = 5 + random.nextInt(60);
        for (int checkpoint = 0; checkpoint < checkpoints; checkpoint++) {
            List<StateChange> changes = new ArrayList<>();
            int count = random.nextInt(12);
            for (int i = 0; i < count; i++) {
                SourcePartition partition = random.nextBoolean() ? P0 : P1;
                String operator = random.nextInt(4) == 0 ? "windows" : "balances";
                String key = random.nextInt(6) == 0 ? UNFOLDABLE.get(random.nextInt(3)) : "k" + random.nextInt(10);
                byte[] value =
                        random.nextInt(5) == 0 ? null : ("v" + checkpoint + "." + i).getBytes(StandardCharsets.UTF_8);
                changes.add(new StateChange(operator, partition, key, value));
            }
            StateLog.Plan plan = log.plan(changes, Map.of(P0, epoch, P1, epoch));
            boolean commits = random.nextInt(10) != 0;
            if (commits) {
                db.apply(plan);
                log.committed(plan);
                assertThat(log.loggedKeys()).isEqualTo(distinctLoggedKeys(db));
                for (StateChange change : changes) {
                    if (change.isTombstone()) {
                        committed.remove(id(change));
                    } else {
                        committed.put(id(change), new String(change.value(), StandardCharsets.UTF_8));
                    }
                }
            } else {
                log.failed(); // the transaction rolled back: nothing of it is in the database
                StateLog failed = log;
                assertThatThrownBy(() -> failed.plan(List.of(), Map.of(P0, 1L, P1, 1L)))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("restarts");
            }
            if (!commits || random.nextInt(8) == 0) {
                // a restart, or the partitions moving to another owner: a new claim reads table and log
                epoch++;
                log = new StateLog();
                assertThat(asText(claim(log, db, epoch))).isEqualTo(committed);
            }
        }
        assertThat(asText(claim(new StateLog(), db, epoch + 1))).isEqualTo(committed);
    }

    private static int distinctLoggedKeys(Database db) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        db.log.forEach((partition, rows) -> {
            for (byte[] row : rows) {
                for (StateLogBlock.Entry entry : StateLogBlock.decode(row, partition)) {
                    keys.add(partition + "/" + entry.operator() + "/" + entry.key());
                }
            }
        });
        return keys.size();
    }

    @Test
    void logsThatWouldHoldTooManyBytesAreFoldedAtOnce() {
        // states of 200 kB (a user's list that grew): 4 partitions of 100 keys each change in every checkpoint, 80 MB
        // a checkpoint, more than a log may hold: one log row would be a value of 20 MB, the logs 80 MB after one
        // checkpoint and 640 MB after eight, all kept here for the fold
        StateLog log = new StateLog();
        Map<SourcePartition, Long> epochs = new HashMap<>();
        for (int p = 0; p < 4; p++) {
            SourcePartition partition = SourcePartition.of("events", p);
            epochs.put(partition, 1L);
            log.restored(partition, 1, List.of(), List.of());
        }
        Database db = new Database();
        Map<String, byte[]> committed = new TreeMap<>();
        for (int checkpoint = 0; checkpoint < 10; checkpoint++) {
            List<StateChange> changes = new ArrayList<>();
            for (SourcePartition partition : epochs.keySet()) {
                for (int k = 0; k < 100; k++) {
                    byte[] value = new byte[200_000];
                    value[0] = (byte) checkpoint;
                    StateChange change = new StateChange("lists", partition, "k" + k, value);
                    changes.add(change);
                    committed.put(id(change), value);
                }
            }
            StateLog.Plan plan = log.plan(changes, epochs);
            db.apply(plan);
            log.committed(plan);
            assertThat(log.loggedBytes()).isLessThanOrEqualTo(StateLog.MAX_LOGGED_BYTES);
            for (StateLog.Row row : plan.appended) {
                assertThat((long) row.entries().length).isLessThanOrEqualTo(StateLog.MAX_LOGGED_BYTES);
            }
            assertThat(plan.folded).as("checkpoint %d", checkpoint).isNotEmpty();
        }
        // and a new owner restores exactly what was committed
        StateLog next = new StateLog();
        Map<String, byte[]> restored = new TreeMap<>();
        for (SourcePartition partition : epochs.keySet()) {
            List<byte[]> rows = db.log.getOrDefault(partition, List.of());
            for (StateChange change : next.restored(partition, 2, db.base(partition), rows)) {
                restored.put(id(change), change.value());
            }
        }
        assertThat(restored).containsOnlyKeys(committed.keySet());
        committed.forEach((id, value) -> assertThat(restored.get(id)[0]).as(id).isEqualTo(value[0]));
    }

    @Test
    void logsThatWouldHoldTooManyKeysAreFoldedAtOnce() {
        StateLog log = new StateLog();
        Map<SourcePartition, Long> epochs = new HashMap<>();
        List<StateChange> changes = new ArrayList<>();
        int keysEach = 30_000;
        for (int p = 0; p < 8; p++) {
            SourcePartition partition = SourcePartition.of("events", p);
            epochs.put(partition, 1L);
            log.restored(partition, 1, List.of(), List.of());
            for (int k = 0; k < keysEach; k++) {
                changes.add(new StateChange("counts", partition, "k" + k, new byte[] {1}));
            }
        }
        for (int checkpoint = 0; checkpoint < 3; checkpoint++) {
            StateLog.Plan plan = log.plan(changes, epochs);
            log.committed(plan);
            assertThat(log.loggedKeys()).isLessThanOrEqualTo(StateLog.MAX_LOGGED_KEYS_IN_ALL);
            assertThat(plan.folded).isNotEmpty();
            for (StateLog.Row row : plan.appended) {
                assertThat(StateLogBlock.decode(row.entries(), row.partition())).hasSize(keysEach);
            }
        }
    }

    private static List<StateChange> claim(StateLog log, Database db, long epoch) {
        List<StateChange> state = new ArrayList<>();
        for (SourcePartition partition : List.of(P0, P1)) {
            state.addAll(log.restored(partition, epoch, db.base(partition), db.log.getOrDefault(partition, List.of())));
        }
        return state;
    }

    @Test
    void aPartitionIsFoldedEveryFewCheckpointsAndNotAllPartitionsAtOnce() {
        StateLog log = new StateLog();
        List<SourcePartition> partitions = new ArrayList<>();
        Map<SourcePartition, Long> epochs = new HashMap<>();
        for (int p = 0; p < 16; p++) {
            SourcePartition partition = SourcePartition.of("payments", p);
            partitions.add(partition);
            epochs.put(partition, 3L);
            log.restored(partition, 3, List.of(), List.of());
        }
        Map<SourcePartition, Integer> folds = new HashMap<>();
        int mostInOneCheckpoint = 0;
        for (int checkpoint = 0; checkpoint < 4 * StateLog.FOLD_EVERY; checkpoint++) {
            List<StateChange> changes = new ArrayList<>();
            for (SourcePartition partition : partitions) {
                changes.add(new StateChange("balances", partition, "k", new byte[] {(byte) checkpoint}));
            }
            StateLog.Plan plan = log.plan(changes, epochs);
            log.committed(plan);
            plan.folded.forEach(partition -> folds.merge(partition, 1, Integer::sum));
            assertThat(plan.appended.size() + plan.folded.size()).isEqualTo(partitions.size());
            mostInOneCheckpoint = Math.max(mostInOneCheckpoint, plan.folded.size());
        }
        assertThat(folds)
                .hasSize(partitions.size())
                .allSatisfy((partition, count) -> assertThat(count).isBetween(3, 5));
        assertThat(mostInOneCheckpoint).isLessThan(partitions.size());
    }

    @Test
    void aPartitionGivenUpIsForgottenAfterItsFinalCheckpoint() {
        StateLog log = new StateLog();
        log.restored(P0, 2, List.of(), List.of());
        log.restored(P1, 2, List.of(), List.of());
        List<StateChange> both = List.of(
                new StateChange("balances", P0, "a", new byte[] {1}),
                new StateChange("balances", P1, "b", new byte[] {2}));
        // P1's first checkpoint may come without its position (no record read yet): it stays
        log.committed(log.plan(List.of(both.get(0)), Map.of(P0, 2L)));
        assertThat(log.partitions()).containsExactlyInAnyOrder(P0, P1);
        log.committed(log.plan(both, Map.of(P0, 2L, P1, 2L)));
        // P1's final marker has passed: the next checkpoint has no position of it
        log.committed(log.plan(List.of(), Map.of(P0, 2L)));
        assertThat(log.partitions()).containsExactly(P0);
        assertThat(log.loggedKeys()).isLessThanOrEqualTo(1);
        // claimed again later: restored afresh
        log.restored(P1, 5, List.of(), List.of());
        assertThat(log.plan(List.of(both.get(1)), Map.of(P0, 2L, P1, 5L)).isEmpty())
                .isFalse();
    }

    @Test
    void changesOfAPartitionNotClaimedAtTheirEpochAreRefused() {
        StateLog log = new StateLog();
        log.restored(P0, 4, List.of(), List.of());
        List<StateChange> changes = List.of(new StateChange("balances", P0, "k", new byte[] {1}));
        assertThatThrownBy(() -> log.plan(changes, Map.of(P0, 3L)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has not claimed");
        assertThatThrownBy(() ->
                        log.plan(List.of(new StateChange("balances", P1, "k", new byte[] {1})), Map.of(P0, 4L, P1, 4L)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(log.plan(changes, Map.of(P0, 4L)).isEmpty()).isFalse();
    }

    @Test
    void aBlockReadsBackAsWrittenAndForeignBytesFailClearly() {
        List<StateLogBlock.Entry> entries = List.of(
                new StateLogBlock.Entry("balances", "acct-1", "{\"cents\":1}".getBytes(StandardCharsets.UTF_8)),
                new StateLogBlock.Entry("windows", "é\"k", null),
                new StateLogBlock.Entry("balances", "", new byte[0]));
        List<StateLogBlock.Entry> read = StateLogBlock.decode(StateLogBlock.encode(entries), P0);
        assertThat(read).hasSize(3);
        for (int i = 0; i < entries.size(); i++) {
            assertThat(read.get(i).operator()).isEqualTo(entries.get(i).operator());
            assertThat(read.get(i).key()).isEqualTo(entries.get(i).key());
            assertThat(read.get(i).value()).isEqualTo(entries.get(i).value());
        }
        byte[] block = StateLogBlock.encode(entries);
        assertThatThrownBy(() -> StateLogBlock.decode(java.util.Arrays.copyOf(block, block.length - 3), P0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("state log of payments-0");
        assertThatThrownBy(() -> StateLogBlock.decode("{\"json\":1}".getBytes(StandardCharsets.UTF_8), P0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("version");
    }
}
