package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.spring.internal.UnknownOnceflowPropertiesFailureAnalyzer;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code onceflow.*} at start-up: a wrong value names the property, the value as written and the rule; a property
 * nothing binds stops the application, naming it and the closest known one; the configuration metadata lists every
 * property.
 */
@ExtendWith(OutputCaptureExtension.class)
class OnceflowPropertiesTest {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(OnceflowAutoConfigurationTest.ALL);

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "onceflow.pipeline.checkpoint-every           | -5s     | must be zero (no checkpoint by time) or positive, and shorter than onceflow.pipeline.max-checkpoint-age (30s)",
                "onceflow.pipeline.checkpoint-every           | 1m      | shorter than onceflow.pipeline.max-checkpoint-age (30s)",
                "onceflow.pipeline.max-checkpoint-age         | 1ms     | must be at least 3 ms",
                "onceflow.pipeline.instance-id                | a b     | must be 1 to 100 letters, digits",
                "onceflow.pipeline.checkpoint-after-records   | -1      | must be zero (no bound) or positive",
                "onceflow.pipeline.checkpoint-after-bytes     | -1      | must be zero (no bound) or positive",
                "onceflow.pipeline.max-concurrent-checkpoints | 0       | must be at least 1",
                "onceflow.pipeline.checkpoint-timeout         | 0s      | must be positive",
                "onceflow.pipeline.revocation-grace-period    | -1s     | must be zero or positive",
                "onceflow.pipeline.restart.max-attempts       | -1      | must be zero (never restart) or positive",
                "onceflow.pipeline.restart.min-backoff        | -1s     | must be zero or positive",
                "onceflow.pipeline.restart.max-backoff        | 100ms   | must not be shorter than onceflow.pipeline.restart.min-backoff (1s)",
                "onceflow.pipeline.restart.jitter             | 1.5     | must be from 0 to 1",
                "onceflow.runner.shutdown-timeout             | -1s     | must be zero (stop abruptly) or positive",
                "onceflow.kafka.bootstrap-servers             | kafka   | must be host:port",
                "onceflow.postgres.schema                     | 1ledger | must be a PostgreSQL identifier"
            })
    void aWrongValueNamesThePropertyTheValueAsWrittenAndTheRule(String property, String value, String rule) {
        runner.withPropertyValues(property + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).isInstanceOf(InvalidConfigurationPropertyValueException.class);
            InvalidConfigurationPropertyValueException invalid =
                    (InvalidConfigurationPropertyValueException) context.getStartupFailure();
            assertThat(invalid.getName()).isEqualTo(property);
            assertThat(invalid.getValue()).isEqualTo(value);
            assertThat(invalid.getReason()).contains(rule);
        });
    }

    @Test
    void aValueThatDoesNotConvertIsBootsOwnBindFailure() {
        runner.withPropertyValues("onceflow.pipeline.checkpoint-every=soon")
                .run(context ->
                        assertThat(context).getFailure().hasMessageContaining("onceflow.pipeline.checkpoint-every"));
    }

    @Test
    void zeroCheckpointEveryIsAccepted() {
        runner.withPropertyValues("onceflow.pipeline.checkpoint-every=0s")
                .run(context -> assertThat(context.getBean(OnceflowProperties.class)
                                .pipeline()
                                .checkpointEvery())
                        .isZero());
    }

    @Test
    void aTypoStopsTheApplicationAndTheAnalysisSuggestsTheProperty() {
        runner.withPropertyValues("onceflow.pipeline.chekpoint-every=5s").run(context -> {
            assertThat(context.getStartupFailure()).isInstanceOf(UnknownOnceflowPropertiesException.class);
            UnknownOnceflowPropertiesException unknown =
                    (UnknownOnceflowPropertiesException) context.getStartupFailure();
            assertThat(unknown.properties()).singleElement().satisfies(property -> {
                assertThat(property.name()).isEqualTo("onceflow.pipeline.chekpoint-every");
                assertThat(property.value()).isEqualTo("5s");
                assertThat(property.suggestion()).isEqualTo("onceflow.pipeline.checkpoint-every");
            });
            FailureAnalysis analysis = new UnknownOnceflowPropertiesFailureAnalyzer().analyze(unknown);
            assertThat(analysis.getDescription())
                    .contains("Onceflow does not know this property:")
                    .contains("Property: onceflow.pipeline.chekpoint-every")
                    .contains("Value: \"5s\"")
                    .contains("Did you mean: onceflow.pipeline.checkpoint-every");
            assertThat(analysis.getAction()).contains("onceflow.fail-on-unknown-properties=false");
        });
    }

    @Test
    void aNameFarFromEveryPropertyGetsNoSuggestion() {
        runner.withPropertyValues("onceflow.colour=blue")
                .run(context -> assertThat(
                                ((UnknownOnceflowPropertiesException) context.getStartupFailure()).properties())
                        .singleElement()
                        .satisfies(property -> assertThat(property.suggestion()).isNull()));
    }

    @Test
    void everyKnownPropertyAndMapEntryIsAccepted(CapturedOutput output) {
        runner.withPropertyValues(
                        "onceflow.kafka.properties.sasl.mechanism=PLAIN",
                        "onceflow.kafka.bootstrap-servers[0]=a:9092",
                        "onceflow.kafka.source.static-membership=true",
                        "onceflow.kafka.source.leave-group-on-close=false",
                        "onceflow.postgres.dead-letter-tables[0]=dead",
                        "onceflow.runner.startup=manual",
                        "onceflow.test.postgres=embedded",
                        "onceflow.infra.owner=x",
                        "onceflow.version=0.1.0-SNAPSHOT")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void warnsInsteadWhenAskedTo(CapturedOutput output) {
        runner.withPropertyValues("onceflow.fail-on-unknown-properties=false", "onceflow.pipline.name=x")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(output).contains("unknown Onceflow properties: onceflow.pipline.name");
                });
    }

    @Test
    void theApplicationsOwnPrefixUnderOnceflowIsItsToCheck() {
        runner.withUserConfiguration(WithDemoProperties.class)
                .withPropertyValues("onceflow.demo.rate=5", "onceflow.demo.anything-else=1")
                .run(context -> assertThat(context).hasNotFailed());
        runner.withUserConfiguration(WithDemoProperties.class)
                .withPropertyValues("onceflow.demox.rate=5")
                .run(context ->
                        assertThat(context.getStartupFailure()).isInstanceOf(UnknownOnceflowPropertiesException.class));
    }

    @ConfigurationProperties("onceflow.demo")
    record DemoSettings(int rate) {}

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(DemoSettings.class)
    static class WithDemoProperties {}

    @Test
    void environmentVariablesInEitherFormAreKnown() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of(
                                        "ONCEFLOW_KAFKA_BOOTSTRAP_SERVERS", "a:9092",
                                        "ONCEFLOW_PIPELINE_CHECKPOINTEVERY", "2s",
                                        "ONCEFLOW_KAFKA_PROPERTIES_SASL_MECHANISM", "PLAIN",
                                        "ONCEFLOW_PIPELINE_CHEKPOINTEVERY", "2s")));
        var unknown = OnceflowPropertiesCheck.unknown(
                org.springframework.boot.context.properties.source.ConfigurationPropertySources.get(environment),
                java.util.List.of());
        assertThat(unknown)
                .extracting(UnknownOnceflowPropertiesException.UnknownProperty::name)
                .containsExactly("onceflow.pipeline.chekpointevery");
    }

    @Test
    void aValueFromAnotherSourceIsReportedAsWritten() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource("yaml", Map.of("onceflow.pipeline.max-checkpoint-age", "1s")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OnceflowPropertiesCheck.bind(environment))
                .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, invalid -> {
                    assertThat(invalid.getName()).isEqualTo("onceflow.pipeline.checkpoint-every");
                    assertThat(invalid.getValue()).isEqualTo("1s"); // the default, not set anywhere
                    assertThat(invalid.getReason()).contains("shorter than onceflow.pipeline.max-checkpoint-age (1s)");
                });
    }

    @Test
    void theMetadataListsEveryPropertyWithADescription() throws Exception {
        JsonNode metadata;
        // this module's, not the first on the class path (every Spring Boot jar has one)
        try (InputStream in = OnceflowProperties.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI()
                .resolve("META-INF/spring-configuration-metadata.json")
                .toURL()
                .openStream()) {
            metadata = JsonMapper.builder().build().readTree(in);
        }
        Set<String> described = new TreeSet<>();
        assertThat(metadata.get("properties").size()).isPositive();
        for (JsonNode property : metadata.get("properties").values()) {
            if (property.hasNonNull("description")
                    && !property.get("description").asString().isBlank()) {
                described.add(property.get("name").asString());
            }
        }
        Set<String> known = new TreeSet<>();
        for (ConfigurationPropertyName name : OnceflowPropertiesCheck.knownNames()) {
            known.add(name.toString());
        }
        assertThat(described).containsAll(known).contains("management.health.onceflow.enabled");
    }
}
