package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.Marker;
import io.onceflow.core.Positions;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transactional sink's state log against a model: whatever it folded, whatever compaction removed, whichever
 * transactions aborted and whoever claimed the partitions since, a restore reads exactly the committed state.
 */
class StateLogTest {

    private static final String TOPIC = "ledger-changelog";
    private static final SourcePartition PAYMENTS_0 = SourcePartition.of("payments", 0);
    private static final SourcePartition PAYMENTS_1 = SourcePartition.of("payments", 1);
    private static final SourcePartition REFUNDS_0 = SourcePartition.of("refunds", 0); // shares changelog partition 0
    private static final List<SourcePartition> PARTITIONS = List.of(PAYMENTS_0, PAYMENTS_1, REFUNDS_0);
    private static final List<String> OPERATORS = List.of("keyed-0", "keyed-1");

    /** The changelog's committed records, in offset order, per changelog partition. */
    private final Map<Integer, List<ProducerRecord<byte[], byte[]>>> changelog = new HashMap<>();

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void aRestoreReadsTheCommittedStateWhateverWasFoldedCompactedAbortedOrClaimed(long seed) {
        Random random = new Random(seed);
        Random moves = new Random(-seed); // its own draws, so that the moves leave the rest of the run as it was
        Map<String, byte[]> committed = new HashMap<>(); // the model: operator/partition/key -> value
        StateLog log = claimAll();
        int folds = 0;
        for (long checkpoint = 1; checkpoint <= 400; checkpoint++) {
            List<StateChange> changes = new ArrayList<>();
            Map<String, byte[]> after = new HashMap<>(committed);
            int count = random.nextInt(40);
            for (int i = 0; i < count; i++) {
                SourcePartition partition = PARTITIONS.get(random.nextInt(PARTITIONS.size()));
                String operator = OPERATORS.get(random.nextInt(OPERATORS.size()));
                String key = "acct-" + random.nextInt(30);
                byte[] value = random.nextInt(10) == 0 ? null : bytes(checkpoint + "/" + i + "/" + random.nextInt());
                changes.add(new StateChange(operator, partition, key, value));
                String entry = operator + "/" + partition + "/" + key;
                if (value == null) {
                    after.remove(entry);
                } else {
                    after.put(entry, value);
                }
            }
            Map<Integer, List<ProducerRecord<byte[], byte[]>>> sent = new HashMap<>();
            StateLog.Written written = log.send(
                    record -> sent.computeIfAbsent(record.partition(), p -> new ArrayList<>())
                            .add(record),
                    new Marker<>(checkpoint, Positions.of(Map.of()), changes),
                    TOPIC);
            if (!written.folded.isEmpty()) {
                folds++;
            }
            if (random.nextInt(20) == 0) {
                // aborted: nothing of it is read, and the run restarts from what the changelog holds
                log = claimAll();
            } else {
                sent.forEach((partition, records) -> changelog
                        .computeIfAbsent(partition, p -> new ArrayList<>())
                        .addAll(records));
                log.committed(written);
                committed = after;
            }
            if (random.nextInt(15) == 0) {
                compact(random);
            }
            if (random.nextInt(25) == 0) {
                log = claimAll(); // another instance claims every partition
            } else if (moves.nextInt(25) == 0) {
                // one partition goes to another instance, which changes nothing, and comes back: released, then
                // claimed with what its restore finds live
                SourcePartition moved = PARTITIONS.get(moves.nextInt(PARTITIONS.size()));
                log.released(List.of(moved));
                assertThat(log.unfolded(moved)).isNull();
                log.claimed(moved, restore().unfolded().getOrDefault(moved, new StateLog.Unfolded()));
            }
            if (checkpoint % 50 == 0) {
                assertThat(restore().changes().stream()
                                .collect(Collectors.toMap(StateLogTest::entry, c -> text(c.value()))))
                        .as("restored at checkpoint %d", checkpoint)
                        .isEqualTo(texts(committed));
            }
        }
        assertThat(folds).as("folds").isGreaterThan(3);
        compact(random);
        for (SourcePartition partition : PARTITIONS) {
            long live = changelog.get(partition.partition()).stream()
                    .filter(record -> ChangelogKeys.isStateLogKey(record.key()) && record.value() != null)
                    .filter(record ->
                            ChangelogKeys.decode(record.key()).partition().equals(partition))
                    .count();
            assertThat(live).as("live log records of %s", partition).isLessThanOrEqualTo(StateLog.FOLD_AT_RECORDS);
        }
    }

    @Test
    void aDueFoldWritesEachEntryOnceThenDeletesTheLogBeforeTheCheckpointsOwnLog() {
        StateLog log = new StateLog();
        log.claimed(PAYMENTS_0, new StateLog.Unfolded());
        long checkpoint = 0;
        StateLog.Written written;
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        do {
            sent.clear();
            checkpoint++;
            List<StateChange> changes = List.of(
                    new StateChange("keyed-0", PAYMENTS_0, "acct-1", bytes("balance " + checkpoint)),
                    new StateChange("keyed-0", PAYMENTS_0, "acct-2", bytes("balance " + checkpoint)));
            written = log.send(sent::add, new Marker<>(checkpoint, Positions.of(Map.of()), changes), TOPIC);
            log.committed(written);
        } while (written.folded.isEmpty() && checkpoint < 1_000);

        assertThat(written.folded).containsExactly(PAYMENTS_0);
        long logsBefore = checkpoint - 1;
        // the fold: the two entries as of the checkpoint before, one record each; the logs' tombstones; the new log
        assertThat(sent).hasSize(2 + (int) logsBefore + 1);
        assertThat(sent.subList(0, 2))
                .extracting(record -> ChangelogKeys.decode(record.key()).key(), record -> text(record.value()))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("acct-1", "balance " + logsBefore),
                        org.assertj.core.groups.Tuple.tuple("acct-2", "balance " + logsBefore));
        assertThat(sent.subList(2, sent.size() - 1)).allSatisfy(record -> {
            assertThat(ChangelogKeys.isStateLogKey(record.key())).isTrue();
            assertThat(record.value()).isNull();
        });
        assertThat(ChangelogKeys.isStateLogKey(sent.get(sent.size() - 1).key())).isTrue();
        assertThat(sent.get(sent.size() - 1).value()).isNotNull();
        assertThat(log.unfolded(PAYMENTS_0).logKeys).hasSize(1);
    }

    @Test
    void aCheckpointFoldsMoreThanOnePartitionWhenTheLogsHoldTooMuchInMemory() {
        StateLog log = new StateLog();
        List<SourcePartition> four = List.of(PAYMENTS_0, PAYMENTS_1, REFUNDS_0, SourcePartition.of("refunds", 1));
        four.forEach(partition -> log.claimed(partition, new StateLog.Unfolded()));
        List<StateChange> large = new ArrayList<>();
        for (SourcePartition partition : four) {
            for (int i = 0; i < 12; i++) { // 12 MiB a partition, 48 MiB in all
                large.add(new StateChange("keyed-0", partition, "acct-" + i, new byte[1 << 20]));
            }
        }
        StateLog.Written first = log.send(record -> {}, new Marker<>(1, Positions.of(Map.of()), large), TOPIC);
        assertThat(first.folded).isEmpty(); // nothing held yet
        log.committed(first);

        List<StateChange> small = four.stream()
                .map(partition -> new StateChange("keyed-0", partition, "acct-0", bytes("small")))
                .toList();
        StateLog.Written second = log.send(record -> {}, new Marker<>(2, Positions.of(Map.of()), small), TOPIC);

        // one fold brings 48 MiB to 36, still over the bound; a second to 24
        assertThat(second.folded).hasSize(2);
        assertThat(StateLog.HELD_AT_MOST).isEqualTo(32L << 20);
    }

    @Test
    void whatARevokedPartitionHoldsForcesNoFoldsOfTheOthers() {
        StateLog log = new StateLog();
        SourcePartition revoked = SourcePartition.of("refunds", 1);
        log.claimed(revoked, new StateLog.Unfolded());
        log.claimed(PAYMENTS_0, new StateLog.Unfolded());
        List<StateChange> large = new ArrayList<>();
        for (int i = 0; i < 40; i++) { // 40 MiB, over the bound, in a partition that then changes no more
            large.add(new StateChange("keyed-0", revoked, "acct-" + i, new byte[1 << 20]));
        }
        log.committed(log.send(record -> {}, new Marker<>(1, Positions.of(Map.of()), large), TOPIC));

        List<StateChange> small = List.of(new StateChange("keyed-0", PAYMENTS_0, "acct-0", bytes("small")));
        StateLog.Written second = log.send(record -> {}, new Marker<>(2, Positions.of(Map.of()), small), TOPIC);

        assertThat(second.folded).isEmpty();
    }

    @Test
    void aReleasedPartitionIsForgottenAndTheOthersKeepTheirLogs() {
        StateLog log = new StateLog();
        SourcePartition revoked = SourcePartition.of("refunds", 1);
        log.claimed(revoked, new StateLog.Unfolded());
        log.claimed(PAYMENTS_0, new StateLog.Unfolded());
        List<StateChange> changes = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            changes.add(new StateChange("keyed-0", revoked, "acct-" + i, new byte[1 << 16]));
            changes.add(new StateChange("keyed-0", PAYMENTS_0, "acct-" + i, bytes("balance " + i)));
        }
        log.committed(log.send(record -> {}, new Marker<>(1, Positions.of(Map.of()), changes), TOPIC));
        assertThat(log.unfolded(revoked).entryCount()).isEqualTo(16);

        log.released(List.of(revoked));

        assertThat(log.unfolded(revoked)).as("what the revoked partition held").isNull();
        assertThat(log.unfolded(PAYMENTS_0).entryCount()).isEqualTo(16);
        assertThat(log.unfolded(PAYMENTS_0).logKeys).hasSize(1);
    }

    private StateLog claimAll() {
        StateLog log = new StateLog();
        restore().unfolded().forEach(log::claimed);
        return log;
    }

    private Changelog.Restored restore() {
        RestoredState state = new RestoredState(PARTITIONS);
        changelog.values().forEach(records -> records.forEach(record -> state.add(record.key(), record.value())));
        return new Changelog.Restored(state.changes(), state.unfolded());
    }

    /** Log compaction: the last record of each key stays, in offset order; a tombstone stays or goes. */
    private void compact(Random random) {
        changelog.replaceAll((partition, records) -> {
            Map<String, Integer> last = new HashMap<>();
            for (int i = 0; i < records.size(); i++) {
                last.put(new String(records.get(i).key(), StandardCharsets.ISO_8859_1), i);
            }
            List<ProducerRecord<byte[], byte[]>> kept = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                ProducerRecord<byte[], byte[]> record = records.get(i);
                boolean newest = last.get(new String(record.key(), StandardCharsets.ISO_8859_1)) == i;
                if (newest && (record.value() != null || random.nextBoolean())) {
                    kept.add(record);
                }
            }
            return kept;
        });
    }

    private static String entry(StateChange change) {
        return change.operator() + "/" + change.partition() + "/" + change.key();
    }

    private static Map<String, String> texts(Map<String, byte[]> values) {
        Map<String, String> texts = new LinkedHashMap<>();
        values.forEach((key, value) -> texts.put(key, text(value)));
        return texts;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
