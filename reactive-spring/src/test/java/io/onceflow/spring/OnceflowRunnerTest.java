package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.annotation.Order;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The runner with the application's lifecycle: when pipelines start, how they stop, what a failure does. */
class OnceflowRunnerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final TestPipelines.Fixture ledger = TestPipelines.pipeline("ledger", Duration.ofHours(1));
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(OnceflowAutoConfigurationTest.ALL)
            .withBean("ledger", Pipeline.class, ledger::pipeline);

    private static ManagedPipeline managed(AssertableApplicationContext context) {
        return context.getBean(OnceflowRunner.class).pipeline("ledger");
    }

    private static void ready(AssertableApplicationContext context) {
        ConfigurableApplicationContext real = context.getSourceApplicationContext();
        real.publishEvent(new ApplicationReadyEvent(new SpringApplication(), new String[0], real, Duration.ZERO));
    }

    @Test
    void byDefaultThePipelinesStartOnceTheApplicationIsReady() {
        runner.run(context -> {
            assertThat(managed(context).state()).isEqualTo(ManagedPipeline.State.NOT_STARTED);
            ready(context);
            assertThat(managed(context).state()).isEqualTo(ManagedPipeline.State.RUNNING);
            ledger.source().emit("a");
            managed(context).checkpointNow().block(WAIT);
            assertThat(ledger.sink().committed()).containsExactly("A");
        });
    }

    @Test
    void withLifecycleStartupTheyStartWithTheRefresh() {
        runner.withPropertyValues("onceflow.runner.startup=lifecycle")
                .run(context -> assertThat(managed(context).state()).isEqualTo(ManagedPipeline.State.RUNNING));
    }

    @Test
    void withManualStartupTheApplicationStartsThem() {
        runner.withPropertyValues("onceflow.runner.startup=manual").run(context -> {
            ready(context);
            assertThat(managed(context).state()).isEqualTo(ManagedPipeline.State.NOT_STARTED);
            context.getBean(OnceflowRunner.class).start();
            assertThat(managed(context).state()).isEqualTo(ManagedPipeline.State.RUNNING);
        });
    }

    @Test
    void closingTheContextTakesAFinalCheckpoint() {
        runner.withPropertyValues("onceflow.runner.startup=lifecycle").run(context -> {
            ledger.source().emit("a", "b", "c");
            await().atMost(WAIT).until(() -> ledger.sink().pending().size() == 3);
            assertThat(ledger.sink().committed()).isEmpty(); // an hour between checkpoints: only the final one
            ManagedPipeline managed = managed(context);
            context.close();
            assertThat(ledger.sink().committed()).containsExactly("A", "B", "C");
            assertThat(managed.state()).isEqualTo(ManagedPipeline.State.STOPPED);
        });
    }

    @Test
    void aStoppedContextStartedAgainRunsThePipelinesAgain() {
        runner.run(context -> {
            ready(context);
            ManagedPipeline managed = managed(context);
            context.getSourceApplicationContext().stop();
            assertThat(managed.state()).isEqualTo(ManagedPipeline.State.STOPPED);
            context.getSourceApplicationContext().start();
            assertThat(managed.state()).isEqualTo(ManagedPipeline.State.RUNNING);
        });
    }

    @Test
    void aFinalCheckpointThatTakesLongerThanTheShutdownTimeoutIsAbandoned() {
        runner.withPropertyValues("onceflow.runner.startup=lifecycle", "onceflow.runner.shutdown-timeout=300ms")
                .run(context -> {
                    ledger.source().emit("a");
                    await().atMost(WAIT).until(() -> ledger.sink().pending().size() == 1);
                    ledger.gate().hang();
                    ManagedPipeline managed = managed(context);
                    long start = System.nanoTime();
                    context.close();
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                    assertThat(managed.state()).isEqualTo(ManagedPipeline.State.ABORTED);
                    assertThat(ledger.sink().committed()).isEmpty(); // the next run replays "a"
                });
    }

    /**
     * Stop order: beans of the default phase (a load generator) stop while the pipeline still runs; the web server's
     * graceful shutdown, and the web server after it, stop once the final checkpoint has committed.
     */
    @Test
    void thePipelinesStopAfterTheDefaultPhaseAndBeforeTheWebServer() {
        AtomicReference<ManagedPipeline.State> atGenerator = new AtomicReference<>();
        AtomicReference<List<String>> atWebServer = new AtomicReference<>();
        AtomicReference<ManagedPipeline> pipeline = new AtomicReference<>();
        runner.withPropertyValues("onceflow.runner.startup=lifecycle")
                .withBean(
                        "generator",
                        SmartLifecycle.class,
                        () -> new Recorder(
                                SmartLifecycle.DEFAULT_PHASE,
                                () -> atGenerator.set(pipeline.get().state())))
                .withBean(
                        "webServer",
                        SmartLifecycle.class,
                        () -> new Recorder(
                                WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE,
                                () -> atWebServer.set(ledger.sink().committed())))
                .run(context -> {
                    pipeline.set(managed(context));
                    ledger.source().emit("a", "b");
                    await().atMost(WAIT).until(() -> ledger.sink().pending().size() == 2);
                    context.close();
                });
        assertThat(atGenerator.get()).isEqualTo(ManagedPipeline.State.RUNNING);
        assertThat(atWebServer.get()).containsExactly("A", "B");
        assertThat(OnceflowProperties.Runner.DEFAULT_PHASE)
                .isLessThan(SmartLifecycle.DEFAULT_PHASE)
                .isGreaterThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
    }

    @Test
    void thePhaseIsAProperty() {
        runner.withPropertyValues("onceflow.runner.phase=100")
                .run(context -> assertThat(context.getBean(OnceflowRunner.class).getPhase())
                        .isEqualTo(100));
    }

    /** Records something when it stops, in its phase. */
    record Recorder(int phase, Runnable onStop) implements SmartLifecycle {
        @Override
        public void start() {}

        @Override
        public void stop() {
            onStop.run();
        }

        @Override
        public boolean isRunning() {
            return true;
        }

        @Override
        public int getPhase() {
            return phase;
        }
    }

    @Test
    void preparationsRunInOrderBeforeThePipelinesStart() {
        List<String> order = new CopyOnWriteArrayList<>();
        runner.withPropertyValues("onceflow.runner.startup=lifecycle")
                .withBean("second", PipelinePreparation.class, () -> new Second(order, ledger))
                .withBean("first", PipelinePreparation.class, () -> new First(order, ledger))
                .run(context -> {
                    await().atMost(WAIT).until(() -> managed(context).state() == ManagedPipeline.State.RUNNING);
                    assertThat(order).containsExactly("first, source opened 0 times", "second, source opened 0 times");
                });
    }

    @Order(1)
    record First(List<String> order, TestPipelines.Fixture ledger) implements PipelinePreparation {
        @Override
        public Mono<Void> prepare() {
            return Mono.fromRunnable(
                    () -> order.add("first, source opened " + ledger.source().opens() + " times"));
        }
    }

    @Order(2)
    record Second(List<String> order, TestPipelines.Fixture ledger) implements PipelinePreparation {
        @Override
        public Mono<Void> prepare() {
            return Mono.fromRunnable(
                    () -> order.add("second, source opened " + ledger.source().opens() + " times"));
        }
    }

    @Test
    void aFailedPreparationFailsThePipelines() {
        runner.withPropertyValues("onceflow.runner.startup=lifecycle")
                .withBean(PipelinePreparation.class, () -> () -> Mono.error(new IllegalStateException("no table")))
                .run(context -> {
                    await().atMost(WAIT).until(() -> managed(context).state() == ManagedPipeline.State.FAILED);
                    assertThat(managed(context).report(0).lastError()).contains("no table");
                    assertThat(ledger.source().opens()).isZero();
                });
    }

    @Test
    void anAbortedPipelineStartsAgainAndReplaysWhatWasNotCommitted() {
        runner.withPropertyValues("onceflow.runner.startup=lifecycle").run(context -> {
            ManagedPipeline managed = managed(context);
            ledger.source().emit("a");
            managed.checkpointNow().block(WAIT);
            ledger.source().emit("b");
            await().atMost(WAIT).until(() -> ledger.sink().pending().size() == 1);
            managed.abort().block(WAIT);
            assertThat(managed.state()).isEqualTo(ManagedPipeline.State.ABORTED);
            managed.start();
            await().atMost(WAIT)
                    .until(() -> managed.state() == ManagedPipeline.State.RUNNING
                            && ledger.source().opens() == 2);
            await().atMost(WAIT).untilAsserted(() -> {
                managed.checkpointNow().block(WAIT);
                assertThat(ledger.sink().committed()).containsExactly("A", "B");
            });
        });
    }

    @Test
    void aPipelineThatGivesUpIsFailedAndByDefaultOnlyLogged() {
        TestSource<String> source = TestSource.create();
        InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
        Pipeline fragile = Onceflow.pipeline("fragile")
                .restartPolicy(RestartPolicy.never())
                .meterRegistry(ledger.meters())
                .from(source)
                .to(sink);
        new ApplicationContextRunner()
                .withConfiguration(OnceflowAutoConfigurationTest.ALL)
                .withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class))
                .withBean("fragile", Pipeline.class, () -> fragile)
                .withPropertyValues("onceflow.runner.startup=lifecycle", "onceflow.runner.on-failure=break-liveness")
                .run(context -> {
                    ManagedPipeline managed =
                            context.getBean(OnceflowRunner.class).pipeline("fragile");
                    sink.failNextCommit();
                    source.emit("x");
                    managed.checkpointNow().onErrorResume(e -> Mono.empty()).block(WAIT);
                    await().atMost(WAIT).until(() -> managed.state() == ManagedPipeline.State.FAILED);
                    assertThat(context.getBean(ApplicationAvailability.class).getLivenessState())
                            .isEqualTo(LivenessState.BROKEN);
                    assertThat(context.isActive()).isTrue();
                });
    }

    @Test
    void exitClosesTheContextAndExitsWithOne() {
        runner.run(context -> {
            AtomicInteger status = new AtomicInteger(-1);
            ManagedPipeline managed = managed(context);
            new FailureResponse(context.getSourceApplicationContext(), status::set)
                    .accept(managed, OnceflowProperties.OnFailure.EXIT);
            await().atMost(WAIT).until(() -> status.get() == 1);
            assertThat(context.isActive()).isFalse();
        });
    }

    /** On virtual time: the pipeline's scheduler is the keep-alive's clock and timer. */
    @Test
    void keepAliveCheckpointsAnIdlePipeline() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        TestPipelines.Fixture idle = TestPipelines.pipeline("idle", Duration.ofHours(1), time);
        new ApplicationContextRunner()
                .withConfiguration(OnceflowAutoConfigurationTest.ALL)
                .withBean("idle", Pipeline.class, idle::pipeline)
                .withPropertyValues("onceflow.runner.startup=lifecycle", "onceflow.pipeline.max-checkpoint-age=3s")
                .run(context -> {
                    time.advanceTimeBy(Duration.ofSeconds(10));
                    await().atMost(WAIT).until(() -> idle.pipeline().status().lastCompletedCheckpoint() >= 3);
                    assertThat(idle.sink().commits()).isGreaterThanOrEqualTo(3);
                });
        time.dispose();
    }

    @Test
    void withoutKeepAliveAnIdlePipelineTakesNoCheckpoint() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        TestPipelines.Fixture idle = TestPipelines.pipeline("idle", Duration.ofHours(1), time);
        new ApplicationContextRunner()
                .withConfiguration(OnceflowAutoConfigurationTest.ALL)
                .withBean("idle", Pipeline.class, idle::pipeline)
                .withPropertyValues(
                        "onceflow.runner.startup=lifecycle",
                        "onceflow.pipeline.max-checkpoint-age=3s",
                        "onceflow.runner.keep-alive=false")
                .run(context -> {
                    time.advanceTimeBy(Duration.ofSeconds(10));
                    // a keep-alive would have asked for three checkpoints during that time: this one would not be 1
                    assertThat(idle.pipeline().checkpointNow().block(WAIT).checkpointId())
                            .isEqualTo(1);
                });
        time.dispose();
    }
}
