package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.SourcePartition;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangelogKeysTest {

    @Test
    void roundTripsEveryPart() {
        SourcePartition partition = SourcePartition.of("payments", 7);
        for (String key : new String[] {"acct-1", "", "with\nnewline", "ünïcødé/😀", "{\"json\":1}"}) {
            byte[] encoded = ChangelogKeys.encode("keyed-0", partition, key);
            assertThat(ChangelogKeys.decode(encoded)).isEqualTo(new ChangelogKeys.Key("keyed-0", partition, key));
        }
    }

    @Test
    void keysOfDifferentOperatorsOrTopicsDiffer() {
        byte[] a = ChangelogKeys.encode("keyed-0", SourcePartition.of("a", 1), "k");
        byte[] b = ChangelogKeys.encode("keyed-1", SourcePartition.of("a", 1), "k");
        byte[] c = ChangelogKeys.encode("keyed-0", SourcePartition.of("b", 1), "k");
        assertThat(a).isNotEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void checkpointKeysAreToldApartWithoutDecoding() {
        SourcePartition partition = SourcePartition.of("payments", 3);
        assertThat(ChangelogKeys.isCheckpointKey(ChangelogKeys.encode(Changelog.CHECKPOINTS, partition, "")))
                .isTrue();
        assertThat(ChangelogKeys.isCheckpointKey(ChangelogKeys.encode("keyed-0", partition, "k")))
                .isFalse();
        // an operator whose name begins like the reserved one is not it: the length comes first
        assertThat(ChangelogKeys.isCheckpointKey(ChangelogKeys.encode(Changelog.CHECKPOINTS + "x", partition, "")))
                .isFalse();
        assertThat(ChangelogKeys.isCheckpointKey(new byte[] {1})).isFalse();
    }

    @Test
    void keysAreMatchedToTheirPartitionsWithoutDecoding() {
        List<byte[]> claimed = List.of(
                ChangelogKeys.scope(SourcePartition.of("payments", 0)),
                ChangelogKeys.scope(SourcePartition.of("refunds", 0)));
        assertThat(ChangelogKeys.isOf(ChangelogKeys.encode("keyed-0", SourcePartition.of("payments", 0), "k"), claimed))
                .isTrue();
        assertThat(ChangelogKeys.isOf(
                        ChangelogKeys.encode(Changelog.CHECKPOINTS, SourcePartition.of("refunds", 0), ""), claimed))
                .isTrue();
        // the same number of another topic, the same topic's other partition, a topic whose name begins the same
        assertThat(ChangelogKeys.isOf(ChangelogKeys.encode("keyed-0", SourcePartition.of("orders", 0), "k"), claimed))
                .isFalse();
        assertThat(ChangelogKeys.isOf(ChangelogKeys.encode("keyed-0", SourcePartition.of("payments", 1), "k"), claimed))
                .isFalse();
        assertThat(ChangelogKeys.isOf(
                        ChangelogKeys.encode("keyed-0", SourcePartition.of("payments-eu", 0), "k"), claimed))
                .isFalse();
        assertThat(ChangelogKeys.isOf("acct-1".getBytes(StandardCharsets.UTF_8), claimed))
                .isFalse();
        byte[] truncated = ChangelogKeys.encode("keyed-0", SourcePartition.of("payments", 0), "k");
        truncated[1] = 127; // an operator length beyond the key
        assertThat(ChangelogKeys.isOf(truncated, claimed)).isFalse();
    }

    @Test
    void theDecoderOfManyKeysDecodesAsEachAlone() {
        ChangelogKeys.Decoder decoder = new ChangelogKeys.Decoder();
        for (int round = 0; round < 2; round++) {
            for (String operator : new String[] {"keyed-0", "keyed-1", "k"}) {
                for (SourcePartition partition : List.of(
                        SourcePartition.of("payments", 0),
                        SourcePartition.of("payments", 1),
                        SourcePartition.of("p", 0))) {
                    for (String key : new String[] {"acct-1", "", "ünïcødé/😀"}) {
                        byte[] encoded = ChangelogKeys.encode(operator, partition, key);
                        assertThat(decoder.decode(encoded)).isEqualTo(ChangelogKeys.decode(encoded));
                    }
                }
            }
        }
        assertThat(decoder.decode("acct-1".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    @Test
    void foreignBytesAreNoKey() {
        assertThat(ChangelogKeys.decode(null)).isNull();
        assertThat(ChangelogKeys.decode("acct-1".getBytes(StandardCharsets.UTF_8)))
                .isNull();
        byte[] truncated = ChangelogKeys.encode("keyed-0", SourcePartition.of("payments", 1), "k");
        truncated[1] = 127; // an operator length beyond the key
        assertThat(ChangelogKeys.decode(truncated)).isNull();
    }
}
