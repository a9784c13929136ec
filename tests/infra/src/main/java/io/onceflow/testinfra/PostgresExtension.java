package io.onceflow.testinfra;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link PostgresDatabase} parameters with a fresh database per top-level test class (or per test method,
 * see {@link WithPostgres#lifetime()}), dropped after it.
 *
 * <p>Usually applied through {@link WithPostgres @WithPostgres}. A class that asks for
 * {@link PostgresMode#CONTAINER} is skipped (not failed) when Docker does not answer.
 */
public final class PostgresExtension implements ParameterResolver, ExecutionCondition {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PostgresExtension.class);

    /** Instantiated by JUnit. */
    public PostgresExtension() {}

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestClass().isEmpty()) {
            return ConditionEvaluationResult.enabled("not a test class");
        }
        PostgresMode mode = mode(context).forced();
        return mode == PostgresMode.CONTAINER && !Docker.isAvailable()
                ? ConditionEvaluationResult.disabled(
                        "no Docker daemon answers, and the test asks for a PostgreSQL container")
                : ConditionEvaluationResult.enabled("PostgreSQL can run " + mode);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        PostgresMode mode = mode(context);
        boolean perMethod = Contexts.find(context, WithPostgres.class)
                .map(settings -> settings.lifetime() == WithPostgres.Lifetime.PER_METHOD)
                .orElse(false);
        // A per-method database lives in the method's context; constructor and @BeforeAll parameters have none.
        ExtensionContext owner =
                perMethod && context.getTestMethod().isPresent() ? context : Contexts.topLevelClass(context);
        return owner.getStore(NAMESPACE).computeIfAbsent(mode, PostgresExtension::createDatabase, FreshDatabase.class);
    }

    private static PostgresMode mode(ExtensionContext context) {
        return Contexts.find(context, WithPostgres.class)
                .map(WithPostgres::mode)
                .orElse(PostgresMode.AUTO);
    }

    private static FreshDatabase createDatabase(PostgresMode mode) {
        try {
            return FreshDatabase.create(PostgresServers.get(mode));
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot provide a PostgreSQL database: " + e.getMessage(), e);
        }
    }
}
