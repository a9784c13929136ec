package io.onceflow.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The chains the benchmarks compare do the same work: same records out, in batches or one element each. */
class OperatorChainsTest {

    @Test
    void bothChainsKeepTheSameRecords() {
        long marker = OperatorChains.markerModel(OperatorChains.elements(10_000, 1_000));
        long fluent = OperatorChains.fluent(OperatorChains.elements(10_000, 1_000));
        long plain = OperatorChains.plain(OperatorChains.values(10_000));
        long batched = OperatorChains.batched(OperatorChains.copies(OperatorChains.batches(10_000, 1_000)));
        assertThat(marker).isEqualTo(plain).isEqualTo(fluent).isEqualTo(batched).isGreaterThan(8_000);
    }
}
