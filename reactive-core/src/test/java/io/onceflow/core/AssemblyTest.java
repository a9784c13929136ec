package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.TestElements;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

// Assembly: the participants and options a pipeline is built from are checked before it runs, with what to change.
class AssemblyTest {

    private final TestSource<String> source = TestSource.create();

    private PipelineBuilder builder() {
        return Onceflow.pipeline("ledger").meterRegistry(new SimpleMeterRegistry());
    }

    @Test
    void twoCommitPointsAreRefusedNamingBothAndWhichToMakeIdempotent() {
        InMemoryCommitPoint<String> kafka = InMemoryCommitPoint.create("kafka-ledger");
        InMemoryCommitPoint<String> postgres = InMemoryCommitPoint.create("postgres-balances");

        assertThatThrownBy(() -> builder().from(source).to(kafka, postgres))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("'ledger'")
                .hasMessageContaining("two commit points, 'kafka-ledger' and 'postgres-balances'")
                .hasMessageContaining("Make 'postgres-balances' an idempotent participant")
                .satisfies(error ->
                        assertThat(((OnceflowException) error).isRetryable()).isFalse());
    }

    @Test
    void noCommitPointAndNoCheckpointStoreIsRefused() {
        InMemoryIdempotentSink<String, String> table = InMemoryIdempotentSink.create("table", value -> value);

        assertThatThrownBy(() -> builder().from(source).to(table))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("has no commit point")
                .hasMessageContaining("checkpointStore(...)");
    }

    @Test
    void aCommitPointAndACheckpointStoreTogetherAreRefused() {
        InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create("sink");
        InMemoryCommitPoint<Object> store = InMemoryCommitPoint.create("store");

        assertThatThrownBy(() -> builder().checkpointStore(store).from(source).to(sink))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("'sink'")
                .hasMessageContaining("'store'")
                .hasMessageContaining("remove checkpointStore(...)");
    }

    @Test
    void aCheckpointStoreWithIdempotentSinksCommitsPositionsWhileTheSinksHoldTheData() {
        InMemoryIdempotentSink<String, String> table = InMemoryIdempotentSink.create("table", value -> value);
        InMemoryCommitPoint<Object> store = InMemoryCommitPoint.create("checkpoints");
        Pipeline pipeline = builder()
                .checkpointEvery(Duration.ofSeconds(1))
                .checkpointStore(store)
                .from(source)
                .to(table);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a", "b"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(table.table()).containsOnlyKeys("a", "b");
        assertThat(store.committed()).isEmpty();
        assertThat(store.committedPositions().nextOffset(SourcePartition.of(TestElements.SOURCE, 0)))
                .contains(2L);
        assertThat(store.lastCheckpoint()).isEqualTo(1);
    }

    @Test
    void duplicateSinkNamesAreRefused() {
        InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create("out");
        InMemoryIdempotentSink<String, String> table = InMemoryIdempotentSink.create("out", value -> value);

        assertThatThrownBy(() -> builder().from(source).to(sink, table))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("two sinks named 'out'");
    }

    @Test
    void aSinkNamedLikeTheCheckpointStoreIsRefused() {
        InMemoryIdempotentSink<String, String> table = InMemoryIdempotentSink.create("state", value -> value);

        assertThatThrownBy(() -> builder()
                        .checkpointStore(InMemoryCommitPoint.create("state"))
                        .from(source)
                        .to(table))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("both named 'state'");
    }

    @Test
    void aSinkThatIsNeitherCommitPointNorIdempotentIsRefused() {
        Sink<String> plain = () -> "plain";

        assertThatThrownBy(() -> builder().from(source).to(plain))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("'plain' must be either a CommitPoint or an IdempotentSink, not neither");
    }

    @Test
    void anEmptyListOfSinksIsRefused() {
        CheckpointedFlux<String> flux = builder().from(source);

        assertThatThrownBy(() -> flux.to(List.of()))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("has no sink");
    }

    @Test
    void toOnAFluxNotStartedFromAPipelineIsRefused() {
        CheckpointedFlux<String> wrapped = CheckpointedFlux.of(Flux.just(TestElements.data("a", 0)));

        assertThatThrownBy(() -> wrapped.map(String::length).to(InMemoryCommitPoint.create()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Onceflow.pipeline(name).from(source)");
    }

    @Test
    void invalidPipelineAndInstanceNamesAreRefused() {
        assertThatThrownBy(() -> Onceflow.pipeline("my ledger"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "pipeline name must be 1 to 100 letters, digits, '.', '_' or '-', was 'my ledger'");
        assertThatThrownBy(() -> Onceflow.pipeline(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pipeline name");
        assertThatThrownBy(() -> Onceflow.pipeline("x".repeat(101))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Onceflow.pipeline(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder().instanceId("pod/1").from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("instanceId must be");
        assertThat(Onceflow.pipeline("ledger.v2_eu-west").options().name()).isEqualTo("ledger.v2_eu-west");
    }

    @Test
    void invalidOptionsAreRefusedWithWhatToChange() {
        assertThatThrownBy(
                        () -> builder().checkpointEvery(Duration.ofSeconds(-1)).from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkpointInterval must be >= 0");
        assertThatThrownBy(() -> builder().checkpointAfterRecords(-1).from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkpointAfterRecords");
        assertThatThrownBy(() -> builder().checkpointAfterBytes(-1).from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkpointAfterBytes");
        // no trigger but demand: a test that places every checkpoint itself
        assertThat(builder().checkpointEvery(Duration.ZERO).options().checkpointInterval())
                .isZero();
        assertThatThrownBy(() -> builder().maxConcurrentCheckpoints(0).from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConcurrentCheckpoints must be >= 1, was 0");
        assertThatThrownBy(() -> builder().checkpointTimeout(Duration.ZERO).from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkpointTimeout must be > 0");
        assertThatThrownBy(() ->
                        builder().revocationGracePeriod(Duration.ofMillis(-1)).from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("revocationGracePeriod must be >= 0");
        assertThatThrownBy(() -> builder().checkpointEvery(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder().from(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        PipelineOptions options = Onceflow.pipeline("ledger").options();

        assertThat(options.instanceId()).isEqualTo("0");
        assertThat(options.checkpointInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.checkpointAfterRecords()).isZero();
        assertThat(options.checkpointAfterBytes()).isZero();
        assertThat(options.maxConcurrentCheckpoints()).isEqualTo(1);
        assertThat(options.checkpointTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.revocationGracePeriod()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.restartPolicy())
                .isEqualTo(RestartPolicy.defaults()
                        .withRetryable(options.restartPolicy().retryable()));
        assertThat(options.checkpointStore()).isNull();
        assertThat(options.scheduler()).isNull();
    }

    @Test
    void theBuilderIsImmutable() {
        PipelineBuilder base = builder();
        PipelineBuilder changed = base.checkpointEvery(Duration.ofSeconds(5));

        assertThat(base.options().checkpointInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(changed.options().checkpointInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void nothingRunsUntilRunIsSubscribed() {
        InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
        Pipeline pipeline = builder().from(InstrumentedSource.of(source)).to(sink);
        source.emit("a");

        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.IDLE);
        assertThat(source.opens()).isZero();
        assertThat(sink.commits()).isZero();
        assertThat(pipeline.name()).isEqualTo("ledger");
    }
}
