package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The demo's audit is exact under injected failures. */
class LedgerDemoTest {

    @Test
    void auditIsExact() {
        assertThat(LedgerDemo.run(20_000, 200, 0.2)).isTrue();
    }
}
