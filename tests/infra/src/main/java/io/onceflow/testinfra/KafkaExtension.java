package io.onceflow.testinfra;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link KafkaBroker} parameters with a broker started on first use and closed with its owning context.
 *
 * <p>Usually applied through {@link WithKafka @WithKafka}; {@code @ExtendWith(KafkaExtension.class)} alone means
 * {@code @WithKafka} with its defaults. A class that asks for {@link BrokerMode#CONTAINER} is skipped (not failed)
 * when Docker does not answer.
 */
public final class KafkaExtension implements ParameterResolver, ExecutionCondition, BeforeEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaExtension.class);

    /** Instantiated by JUnit. */
    public KafkaExtension() {}

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestClass().isEmpty()) {
            return ConditionEvaluationResult.enabled("not a test class");
        }
        BrokerMode mode = requestedMode(context).resolve();
        return mode == BrokerMode.CONTAINER && !Docker.isAvailable()
                ? ConditionEvaluationResult.disabled(
                        "no Docker daemon answers, and the test asks for a Kafka container")
                : ConditionEvaluationResult.enabled("a Kafka broker can run " + mode);
    }

    /**
     * A per-class broker that the previous test killed or paused is brought back before the next test, so each test
     * starts with a running broker whatever the order of the tests.
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        KafkaBroker broker =
                Contexts.topLevelClass(context).getStore(NAMESPACE).get(requestedMode(context), KafkaBroker.class);
        if (broker instanceof ChildProcessKafkaBroker child) {
            child.ensureRunning();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        BrokerMode mode = requestedMode(context);
        boolean perMethod = Contexts.find(context, WithKafka.class)
                .map(settings -> settings.lifetime() == WithKafka.Lifetime.PER_METHOD)
                .orElse(false);
        // A per-method broker lives in the method's context; constructor and @BeforeAll parameters have none.
        ExtensionContext owner =
                perMethod && context.getTestMethod().isPresent() ? context : Contexts.topLevelClass(context);
        return owner.getStore(NAMESPACE).computeIfAbsent(mode, KafkaExtension::startBroker, KafkaBroker.class);
    }

    private static BrokerMode requestedMode(ExtensionContext context) {
        return Contexts.find(context, WithKafka.class).map(WithKafka::mode).orElse(BrokerMode.AUTO);
    }

    private static KafkaBroker startBroker(BrokerMode requested) {
        BrokerMode mode = requested.resolve();
        try {
            return KafkaBroker.start(mode);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot start a Kafka broker (" + mode + "): " + e.getMessage(), e);
        }
    }
}
