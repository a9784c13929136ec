package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** Every auto-configuration and its conditions, on an {@link ApplicationContextRunner}. */
class OnceflowAutoConfigurationTest {

    static final AutoConfigurations ALL = AutoConfigurations.of(
            OnceflowAutoConfiguration.class,
            OnceflowHealthAutoConfiguration.class,
            OnceflowEndpointAutoConfiguration.class,
            OnceflowMetricsAutoConfiguration.class,
            OnceflowKafkaAutoConfiguration.class,
            OnceflowPostgresAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(ALL);

    @Configuration(proxyBeanMethods = false)
    static class OnePipeline {
        @Bean
        Pipeline ledger() {
            return TestPipelines.pipeline("ledger").pipeline();
        }
    }

    @Test
    void everyPipelineBeanIsManagedByTheRunner() {
        runner.withUserConfiguration(OnePipeline.class).run(context -> {
            assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(OnceflowRunner.class)
                    .hasSingleBean(OnceflowPipelines.class);
            OnceflowRunner onceflow = context.getBean(OnceflowRunner.class);
            assertThat(onceflow.pipelines()).extracting(ManagedPipeline::name).containsExactly("ledger");
            assertThat(onceflow.pipeline("ledger").pipeline()).isSameAs(context.getBean(Pipeline.class));
        });
    }

    @Test
    void anApplicationWithoutPipelinesGetsAnIdleRunner() {
        runner.run(context ->
                assertThat(context.getBean(OnceflowRunner.class).pipelines()).isEmpty());
    }

    @Test
    void twoPipelinesOfOneNameAreRefused() {
        runner.withUserConfiguration(OnePipeline.class)
                .withBean(
                        "other",
                        Pipeline.class,
                        () -> TestPipelines.pipeline("ledger").pipeline())
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("two Pipeline beans are called 'ledger'"));
    }

    @Test
    void enabledFalseTurnsEverythingOff() {
        runner.withUserConfiguration(OnePipeline.class)
                .withPropertyValues("onceflow.enabled=false", "onceflow.nonsense=1")
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .doesNotHaveBean(OnceflowRunner.class)
                        .doesNotHaveBean(OnceflowPipelines.class)
                        .doesNotHaveBean(OnceflowKafka.class)
                        .doesNotHaveBean("onceflowHealthContributor"));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        OnceflowPipelines mine =
                new OnceflowPipelines(OnceflowProperties.PipelineSettings.defaults(), null, java.util.List.of());
        OnceflowKafka kafka = OnceflowKafka.of("elsewhere:9092");
        runner.withBean(OnceflowPipelines.class, () -> mine)
                .withBean(OnceflowKafka.class, () -> kafka)
                .run(context -> {
                    assertThat(context.getBean(OnceflowPipelines.class)).isSameAs(mine);
                    assertThat(context.getBean(OnceflowKafka.class)).isSameAs(kafka);
                });
    }

    @Nested
    class Pipelines {

        @Test
        void theBuilderCarriesEveryPipelineProperty() {
            runner.withPropertyValues(
                            "onceflow.pipeline.instance-id=eu-1",
                            "onceflow.pipeline.checkpoint-every=250ms",
                            "onceflow.pipeline.checkpoint-after-records=500",
                            "onceflow.pipeline.checkpoint-after-bytes=65536",
                            "onceflow.pipeline.max-concurrent-checkpoints=2",
                            "onceflow.pipeline.checkpoint-timeout=20s",
                            "onceflow.pipeline.revocation-grace-period=3s",
                            "onceflow.pipeline.restart.max-attempts=4",
                            "onceflow.pipeline.restart.min-backoff=200ms",
                            "onceflow.pipeline.restart.max-backoff=5s",
                            "onceflow.pipeline.restart.jitter=0.1")
                    .run(context -> {
                        PipelineOptions options = context.getBean(OnceflowPipelines.class)
                                .pipeline("p")
                                .options();
                        assertThat(options.instanceId()).isEqualTo("eu-1");
                        assertThat(options.checkpointInterval()).isEqualTo(Duration.ofMillis(250));
                        assertThat(options.checkpointAfterRecords()).isEqualTo(500);
                        assertThat(options.checkpointAfterBytes()).isEqualTo(65536);
                        assertThat(options.maxConcurrentCheckpoints()).isEqualTo(2);
                        assertThat(options.checkpointTimeout()).isEqualTo(Duration.ofSeconds(20));
                        assertThat(options.revocationGracePeriod()).isEqualTo(Duration.ofSeconds(3));
                        assertThat(options.restartPolicy().maxAttempts()).isEqualTo(4);
                        assertThat(options.restartPolicy().minBackoff()).isEqualTo(Duration.ofMillis(200));
                        assertThat(options.restartPolicy().maxBackoff()).isEqualTo(Duration.ofSeconds(5));
                        assertThat(options.restartPolicy().jitter()).isEqualTo(0.1);
                    });
        }

        @Test
        void withoutPropertiesTheBuilderHasOnceflowsDefaults() {
            runner.run(context -> {
                PipelineOptions options =
                        context.getBean(OnceflowPipelines.class).pipeline("p").options();
                PipelineOptions defaults = PipelineOptions.defaults("p");
                assertThat(options.instanceId()).isEqualTo(defaults.instanceId());
                assertThat(options.checkpointInterval()).isEqualTo(defaults.checkpointInterval());
                assertThat(options.checkpointTimeout()).isEqualTo(defaults.checkpointTimeout());
                assertThat(options.revocationGracePeriod()).isEqualTo(defaults.revocationGracePeriod());
                assertThat(options.restartPolicy().maxAttempts())
                        .isEqualTo(defaults.restartPolicy().maxAttempts());
            });
        }

        @Test
        void theApplicationsMeterRegistryIsUsedNotTheGlobalOne() {
            MeterRegistry registry = new SimpleMeterRegistry();
            runner.withBean(MeterRegistry.class, () -> registry)
                    .run(context -> assertThat(context.getBean(OnceflowPipelines.class)
                                    .pipeline("p")
                                    .options()
                                    .meterRegistry())
                            .isSameAs(registry));
        }

        @Test
        void customizersApplyInOrderAfterTheProperties() {
            runner.withPropertyValues("onceflow.pipeline.instance-id=from-properties")
                    .withUserConfiguration(Customizers.class)
                    .run(context -> assertThat(context.getBean(OnceflowPipelines.class)
                                    .pipeline("p")
                                    .options()
                                    .instanceId())
                            .isEqualTo("from-properties-first-second"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {
        @Bean
        @Order(2)
        PipelineCustomizer second() {
            return (name, builder) -> builder.instanceId(builder.options().instanceId() + "-second");
        }

        @Bean
        @Order(1)
        PipelineCustomizer first() {
            return (name, builder) -> builder.instanceId(builder.options().instanceId() + "-first");
        }
    }

    @Nested
    class Kafka {

        @Test
        void brokersComeFromSpringKafkaWhenOnceflowNamesNone() {
            runner.withPropertyValues(
                            "spring.kafka.bootstrap-servers=a:9092,b:9092",
                            "spring.kafka.properties.security.protocol=SSL",
                            "spring.kafka.consumer.properties.fetch.min.bytes=1024",
                            "spring.kafka.producer.properties.linger.ms=5")
                    .run(context -> {
                        OnceflowKafka kafka = context.getBean(OnceflowKafka.class);
                        assertThat(kafka.configured()).isTrue();
                        assertThat(kafka.bootstrapServers()).isEqualTo("a:9092,b:9092");
                        assertThat(kafka.consumerProperties())
                                .containsEntry("security.protocol", "SSL")
                                .containsEntry("fetch.min.bytes", "1024")
                                .doesNotContainKey("linger.ms");
                        assertThat(kafka.producerProperties())
                                .containsEntry("security.protocol", "SSL")
                                .containsEntry("linger.ms", "5")
                                .doesNotContainKey("fetch.min.bytes");
                        assertThat(kafka.sourceOptions().topic("t").build().bootstrapServers())
                                .isEqualTo("a:9092,b:9092");
                    });
        }

        @Test
        void onceflowsOwnSettingsWin() {
            runner.withPropertyValues(
                            "spring.kafka.bootstrap-servers=a:9092",
                            "spring.kafka.properties.security.protocol=SSL",
                            "onceflow.kafka.bootstrap-servers=c:9092",
                            "onceflow.kafka.properties.security.protocol=SASL_SSL")
                    .run(context -> {
                        OnceflowKafka kafka = context.getBean(OnceflowKafka.class);
                        assertThat(kafka.bootstrapServers()).isEqualTo("c:9092");
                        assertThat(kafka.producerProperties()).containsEntry("security.protocol", "SASL_SSL");
                        assertThat(kafka.sinkOptions().build().bootstrapServers())
                                .isEqualTo("c:9092");
                    });
        }

        /** A rolling restart that moves no partition is two properties away; both are Kafka's usual defaults else. */
        @Test
        void theSourcesGroupMembershipComesFromProperties() {
            runner.withPropertyValues("onceflow.kafka.bootstrap-servers=c:9092").run(context -> {
                KafkaSourceOptions<byte[]> options = context.getBean(OnceflowKafka.class)
                        .sourceOptions()
                        .topic("t")
                        .build();
                assertThat(options.staticMembership()).isTrue();
                assertThat(options.leaveGroupOnClose()).isTrue();
            });
            runner.withPropertyValues(
                            "onceflow.kafka.bootstrap-servers=c:9092",
                            "onceflow.kafka.source.leave-group-on-close=false")
                    .run(context -> assertThat(context.getBean(OnceflowKafka.class)
                                    .sourceOptions()
                                    .topic("t")
                                    .build()
                                    .leaveGroupOnClose())
                            .isFalse());
            runner.withPropertyValues(
                            "onceflow.kafka.bootstrap-servers=c:9092", "onceflow.kafka.source.static-membership=false")
                    .run(context -> assertThat(context.getBean(OnceflowKafka.class)
                                    .withBootstrapServers("d:9092")
                                    .sourceOptions()
                                    .topic("t")
                                    .build()
                                    .staticMembership())
                            .isFalse());
        }

        @Test
        void withoutBrokersTheBuildersSayWhatToSet() {
            runner.run(context -> {
                OnceflowKafka kafka = context.getBean(OnceflowKafka.class);
                assertThat(kafka.configured()).isFalse();
                org.assertj.core.api.Assertions.assertThatIllegalStateException()
                        .isThrownBy(kafka::sourceOptions)
                        .withMessageContaining("onceflow.kafka.bootstrap-servers")
                        .withMessageContaining("spring.kafka.bootstrap-servers");
                assertThat(kafka.toString()).doesNotContain("secret");
            });
        }

        @Test
        void absentWithoutReactiveKafka() {
            runner.withClassLoader(new FilteredClassLoader(KafkaSource.class))
                    .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(OnceflowKafka.class));
        }
    }

    @Nested
    class Postgres {

        private final ConnectionFactory database = ConnectionFactories.get("r2dbc:postgresql://u@127.0.0.1:9/none");

        @Test
        void onTheApplicationsConnectionFactory() {
            runner.withBean(ConnectionFactory.class, () -> database).run(context -> {
                OnceflowPostgres postgres = context.getBean(OnceflowPostgres.class);
                assertThat(postgres.connectionFactory()).isSameAs(database);
                assertThat(postgres.tables().offsets()).isEqualTo("onceflow_offsets");
                assertThat(context).doesNotHaveBean(PipelinePreparation.class);
            });
        }

        @Test
        void schemaAndTableCreation() {
            runner.withBean(ConnectionFactory.class, () -> database)
                    .withPropertyValues(
                            "onceflow.postgres.schema=ledger",
                            "onceflow.postgres.create-tables=true",
                            "onceflow.postgres.dead-letter-tables=ledger_dead_letters")
                    .run(context -> {
                        OnceflowPostgres postgres = context.getBean(OnceflowPostgres.class);
                        assertThat(postgres.tables().state()).isEqualTo("ledger.onceflow_state");
                        assertThat(context).hasSingleBean(PipelinePreparation.class);
                        assertThat(postgres.sinkOptions().table("t").key("k").columns(x -> null))
                                .isNotNull();
                    });
        }

        @Test
        void absentWithoutAConnectionFactory() {
            runner.run(context -> assertThat(context).doesNotHaveBean(OnceflowPostgres.class));
        }

        @Test
        void absentWithoutReactiveSinks() {
            runner.withBean(ConnectionFactory.class, () -> database)
                    .withClassLoader(new FilteredClassLoader(R2dbcUpsertSink.class))
                    .run(context -> assertThat(context).doesNotHaveBean(OnceflowPostgres.class));
        }
    }

    @Nested
    class Health {

        @Test
        void oneIndicatorPerPipelineUnderOnceflow() {
            runner.withUserConfiguration(OnePipeline.class).run(context -> {
                CompositeReactiveHealthContributor health =
                        context.getBean("onceflowHealthContributor", CompositeReactiveHealthContributor.class);
                assertThat(health.getContributor("ledger")).isInstanceOf(PipelineHealthIndicator.class);
            });
        }

        @Test
        void noneWithoutPipelines() {
            runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("onceflowHealthContributor"));
        }

        @Test
        void offWhenDisabled() {
            runner.withUserConfiguration(OnePipeline.class)
                    .withPropertyValues("management.health.onceflow.enabled=false")
                    .run(context -> assertThat(context).doesNotHaveBean("onceflowHealthContributor"));
        }

        @Test
        void absentWithoutSpringBootHealth() {
            runner.withUserConfiguration(OnePipeline.class)
                    .withClassLoader(new FilteredClassLoader(ReactiveHealthIndicator.class))
                    .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("onceflowHealthContributor"));
        }
    }

    @Nested
    class Endpoint {

        @Test
        void absentUntilExposed() {
            runner.withUserConfiguration(OnePipeline.class)
                    .run(context -> assertThat(context).doesNotHaveBean(OnceflowEndpoint.class));
        }

        @Test
        void presentWhenExposed() {
            runner.withUserConfiguration(OnePipeline.class)
                    .withPropertyValues("management.endpoints.web.exposure.include=onceflow")
                    .run(context -> assertThat(context).hasSingleBean(OnceflowEndpoint.class));
        }

        @Test
        void absentWhenItsAccessIsNone() {
            runner.withUserConfiguration(OnePipeline.class)
                    .withPropertyValues(
                            "management.endpoints.web.exposure.include=onceflow",
                            "management.endpoint.onceflow.access=NONE")
                    .run(context -> assertThat(context).doesNotHaveBean(OnceflowEndpoint.class));
        }

        @Test
        void absentWithoutActuator() {
            runner.withUserConfiguration(OnePipeline.class)
                    .withPropertyValues("management.endpoints.web.exposure.include=onceflow")
                    .withClassLoader(new FilteredClassLoader(
                            org.springframework.boot.actuate.endpoint.annotation.Endpoint.class))
                    .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(OnceflowEndpoint.class));
        }
    }

    @Test
    void theMeterBinderIsThere() {
        runner.withUserConfiguration(OnePipeline.class)
                .run(context -> assertThat(context).hasSingleBean(OnceflowMeterBinder.class));
    }

    @Test
    void aPipelineBuiltWithTheFactoryIsRunnable() {
        runner.withUserConfiguration(FromFactory.class)
                .withPropertyValues("onceflow.runner.startup=lifecycle")
                .run(context -> assertThat(context.getBean(OnceflowRunner.class).pipelines())
                        .extracting(ManagedPipeline::name)
                        .contains("built"));
    }

    @Configuration(proxyBeanMethods = false)
    static class FromFactory {
        @Bean
        Pipeline built(OnceflowPipelines pipelines) {
            PipelineBuilder builder = pipelines.pipeline("built").meterRegistry(new SimpleMeterRegistry());
            return builder.from(TestSource.<String>create()).to(InMemoryCommitPoint.create());
        }
    }
}
