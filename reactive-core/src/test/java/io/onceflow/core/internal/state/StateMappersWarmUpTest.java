package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The warm-up runs the state mappers' paths through: a validator refusing its values would make it useless. */
class StateMappersWarmUpTest {

    @Test
    void theWarmUpWritesAndReadsStateThroughTheMappers() {
        assertThat(StateMappersWarmUp.warmUp()).isTrue();
    }
}
