package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateLogValueTest {

    @Test
    void entriesRoundTripInOrderAcrossOperatorsAndRemovals() {
        List<byte[]> values = new ArrayList<>();
        StateLogValue.Builder builder = new StateLogValue.Builder(values::add);
        builder.add("keyed-0", "acct-1", bytes("{\"balance\":5}"));
        builder.add("keyed-0", "acct-2", null);
        builder.add("keyed-1", "ünïcødé/😀", bytes(""));
        builder.add("keyed-0", "acct-1", bytes("{\"balance\":7}"));
        assertThat(values).isEmpty(); // not full yet

        builder.finish();

        assertThat(values).hasSize(1);
        List<Entry> entries = decode(values.get(0));
        assertThat(entries).extracting(Entry::operator).containsExactly("keyed-0", "keyed-0", "keyed-1", "keyed-0");
        assertThat(entries).extracting(Entry::key).containsExactly("acct-1", "acct-2", "ünïcødé/😀", "acct-1");
        assertThat(entries.get(0).value()).isEqualTo(bytes("{\"balance\":5}"));
        assertThat(entries.get(1).value()).isNull();
        assertThat(entries.get(2).value()).isEmpty();
        assertThat(entries.get(3).value()).isEqualTo(bytes("{\"balance\":7}"));
    }

    @Test
    void aLargeCheckpointIsCutIntoRecordsOfTheTargetSizeEachReadableAlone() {
        List<byte[]> values = new ArrayList<>();
        StateLogValue.Builder builder = new StateLogValue.Builder(1_000, values::add);
        for (int i = 0; i < 500; i++) {
            builder.add("keyed-0", "acct-" + i, bytes("value-" + i));
        }
        assertThat(values).hasSizeGreaterThan(5); // full records went on while the rest was added

        builder.finish();

        // a record closes once it reaches the target: the entry that crossed it is its last
        assertThat(values).allSatisfy(value -> assertThat(value.length).isLessThan(1_000 + 40));
        List<String> keys = new ArrayList<>();
        for (byte[] value : values) {
            // each record names its operator again: it is decoded without the ones before it
            decode(value).forEach(entry -> {
                assertThat(entry.operator()).isEqualTo("keyed-0");
                keys.add(entry.key());
            });
        }
        assertThat(keys).hasSize(500).startsWith("acct-0", "acct-1").endsWith("acct-499");
    }

    @Test
    void nothingAddedIsNoRecord() {
        List<byte[]> values = new ArrayList<>();
        new StateLogValue.Builder(values::add).finish();
        assertThat(values).isEmpty();
    }

    @Test
    void aValueOfAnotherVersionOrCutShortIsRefusedNotHalfRead() {
        List<byte[]> values = new ArrayList<>();
        StateLogValue.Builder builder = new StateLogValue.Builder(values::add);
        builder.add("keyed-0", "acct-1", bytes("{\"balance\":5}"));
        builder.finish();
        byte[] value = values.get(0);

        byte[] newer = value.clone();
        newer[0] = 2;
        assertThatThrownBy(() -> decode(newer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 2");
        assertThatThrownBy(() -> decode(Arrays.copyOf(value, value.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        // the first entry cannot take the operator of an entry before it
        assertThatThrownBy(() -> decode(new byte[] {1, -1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, -1}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** One entry of a log record, as read. */
    private record Entry(String operator, String key, byte[] value) {}

    private static List<Entry> decode(byte[] value) {
        List<Entry> entries = new ArrayList<>();
        StateLogValue.read(
                value,
                (operator, record, keyOffset, keyLength, entryValue) -> entries.add(new Entry(
                        operator, new String(record, keyOffset, keyLength, StandardCharsets.UTF_8), entryValue)));
        return entries;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
