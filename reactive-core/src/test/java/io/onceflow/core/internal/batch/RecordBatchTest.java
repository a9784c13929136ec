package io.onceflow.core.internal.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StreamElement;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordBatchTest {

    private static RecordBatch<String> batchOf(String... values) {
        RecordBatch<String> batch = new RecordBatch<>("t", 2, 1);
        for (int i = 0; i < values.length; i++) {
            batch.add(values[i], 10 + i, 100 + i);
        }
        return batch;
    }

    @Test
    void unbatchedItIsTheRecordsWithTheirOriginsAndDeadLettersInTheirPlaces() {
        RecordBatch<String> batch = batchOf("a");
        DeadLetter<String> unreadable =
                new DeadLetter<>(new Origin("t", 2, 11, 101), "deserialize", null, new IllegalStateException("x"));
        batch.addDeadLetter(unreadable);
        batch.add("c", 12, 102);

        List<StreamElement<String>> elements = batch.elements();

        assertThat(elements)
                .containsExactly(
                        new Data<>("a", new Origin("t", 2, 10, 100)),
                        unreadable,
                        new Data<>("c", new Origin("t", 2, 12, 102)));
        assertThat(batch.nextOffset()).isEqualTo(13);
    }

    @Test
    void aDeadLetterOfAnotherPartitionIsRefused() {
        DeadLetter<String> elsewhere =
                new DeadLetter<>(new Origin("t", 3, 11, 101), "deserialize", null, new IllegalStateException("x"));

        assertThatThrownBy(() -> batchOf("a").addDeadLetter(elsewhere))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t-3@11");
    }

    @Test
    void aRewriteKeepsWhatItKeepsInOrderAndDropsTheRest() {
        RecordBatch<String> batch = batchOf("a", "b", "c", "d");
        batch.beginRewrite();
        batch.keep(0, 1);
        // b dropped
        batch.keepDeadLetter(2, new DeadLetter<>(batch.origin(2), "map", "c", new IllegalStateException("c")));
        batch.keep(3, 4);
        RecordBatch<Integer> rewritten = batch.endRewrite();

        assertThat(rewritten.size()).isEqualTo(3);
        assertThat(rewritten.value(0)).isEqualTo(1);
        assertThat(rewritten.isDeadLetter(1)).isTrue();
        assertThat(rewritten.deadLetter(1).origin()).isEqualTo(new Origin("t", 2, 12, 102));
        assertThat(rewritten.origin(2)).isEqualTo(new Origin("t", 2, 13, 103));
        assertThatThrownBy(() -> rewritten.value(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRewriteCannotGoBack() {
        RecordBatch<String> batch = batchOf("a", "b");
        batch.beginRewrite();
        batch.keepAsIs(1);

        assertThatThrownBy(() -> batch.keepAsIs(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("out of order");
    }

    @Test
    void aSplitLeavesTheFirstRecordsHereAndTheRestInTheBatchItReturns() {
        RecordBatch<String> batch = batchOf("a", "b", "c");

        RecordBatch<String> rest = batch.split(1);

        assertThat(batch.elements()).containsExactly(new Data<>("a", new Origin("t", 2, 10, 100)));
        assertThat(rest.elements())
                .containsExactly(
                        new Data<>("b", new Origin("t", 2, 11, 101)), new Data<>("c", new Origin("t", 2, 12, 102)));
        assertThatThrownBy(() -> rest.split(2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void droppingTheFirstRecordsKeepsTheOthers() {
        RecordBatch<String> batch = batchOf("a", "b", "c");

        batch.dropFirst(2);

        assertThat(batch.elements()).containsExactly(new Data<>("c", new Origin("t", 2, 12, 102)));
        batch.dropFirst(5);
        assertThat(batch.isEmpty()).isTrue();
    }
}
