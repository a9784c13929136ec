package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

class ModeSelectionTest {

    @Test
    void dockerProbeNeverHangs() {
        long start = System.nanoTime();
        boolean available = Docker.isAvailable();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(Docker.isAvailable()).isEqualTo(available);
    }

    @Test
    void autoMeansContainerWithDockerElseInProcess() {
        assertThat(BrokerMode.AUTO.resolve())
                .isEqualTo(Docker.isAvailable() ? BrokerMode.CONTAINER : BrokerMode.IN_PROCESS);
        assertThat(BrokerMode.CHILD_PROCESS.resolve()).isEqualTo(BrokerMode.CHILD_PROCESS);
    }

    @Test
    void containerClassesAreSkippedWithoutDocker() {
        long skipped = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(KafkaContainerSample.class), selectClass(PostgresContainerSample.class))
                .execute()
                .containerEvents()
                .skipped()
                .count();
        assertThat(skipped).isEqualTo(Docker.isAvailable() ? 0 : 2);
    }

    @WithKafka(mode = BrokerMode.CONTAINER)
    static class KafkaContainerSample {
        @Test
        void needsDocker(KafkaBroker broker) {
            assertThat(broker.mode()).isEqualTo(BrokerMode.CONTAINER);
        }
    }

    @WithPostgres(mode = PostgresMode.CONTAINER)
    static class PostgresContainerSample {
        @Test
        void needsDocker(PostgresDatabase db) {
            assertThat(db.mode()).isEqualTo(PostgresMode.CONTAINER);
        }
    }
}
