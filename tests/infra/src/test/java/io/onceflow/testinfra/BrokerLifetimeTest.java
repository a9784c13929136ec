package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Per-class brokers are shared by the class and its nested classes; per-method brokers are not shared at all. */
class BrokerLifetimeTest {
    static final List<String> SEEN = new CopyOnWriteArrayList<>();

    @Test
    void perClassBrokerServesNestedClassesToo() {
        SEEN.clear();
        run(PerClassSample.class);
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.stream().distinct()).hasSize(1);
    }

    @Test
    void perMethodBrokerIsNewForEachTest() {
        SEEN.clear();
        run(PerMethodSample.class);
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.stream().distinct()).hasSize(2);
    }

    private static void run(Class<?> sample) {
        EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(sample))
                .execute()
                .testEvents()
                .assertStatistics(stats -> stats.started(2).succeeded(2));
    }

    @WithKafka(mode = BrokerMode.IN_PROCESS)
    static class PerClassSample {
        @Test
        void outer(KafkaBroker broker) {
            SEEN.add(broker.bootstrapServers());
        }

        @Nested
        class Inner {
            @Test
            void inner(KafkaBroker broker) {
                SEEN.add(broker.bootstrapServers());
            }
        }
    }

    @WithKafka(mode = BrokerMode.IN_PROCESS, lifetime = WithKafka.Lifetime.PER_METHOD)
    static class PerMethodSample {
        @Test
        void first(KafkaBroker broker) {
            SEEN.add(broker.bootstrapServers());
        }

        @Test
        void second(KafkaBroker broker) {
            SEEN.add(broker.bootstrapServers());
        }
    }
}
