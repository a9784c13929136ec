package io.onceflow.spring.internal;

import io.onceflow.spring.UnknownOnceflowPropertiesException;
import io.onceflow.spring.UnknownOnceflowPropertiesException.UnknownProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Prints {@link UnknownOnceflowPropertiesException} the way Spring Boot prints a property it cannot bind: each
 * property with its value and where it was set, and the known property it is closest to.
 *
 * <pre>
 * Onceflow does not know these properties:
 *
 *     Property: onceflow.pipeline.chekpoint-every
 *     Value: "5s"
 *     Origin: "onceflow.pipeline.chekpoint-every" from property source "commandLineArgs"
 *     Did you mean: onceflow.pipeline.checkpoint-every
 * </pre>
 *
 * <p>Registered in {@code META-INF/spring.factories}; public only so that Spring Boot can load it.
 */
public final class UnknownOnceflowPropertiesFailureAnalyzer
        extends AbstractFailureAnalyzer<UnknownOnceflowPropertiesException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownOnceflowPropertiesException cause) {
        StringBuilder description = new StringBuilder(
                cause.properties().size() == 1
                        ? "Onceflow does not know this property:\n"
                        : "Onceflow does not know these properties:\n");
        for (UnknownProperty property : cause.properties()) {
            description.append("\n    Property: ").append(property.name());
            description.append("\n    Value: \"").append(property.value()).append('"');
            if (property.origin() != null) {
                description.append("\n    Origin: ").append(property.origin());
            }
            if (property.suggestion() != null) {
                description.append("\n    Did you mean: ").append(property.suggestion());
            }
            description.append('\n');
        }
        String action = "Correct the property's name, or remove it. Every Onceflow property, with its default, is"
                + " listed in the configuration metadata (IDE completion) and in OnceflowProperties. A setting of the"
                + " application's own under 'onceflow.' belongs to a @ConfigurationProperties class with a longer"
                + " prefix (such as 'onceflow.myapp'); onceflow.fail-on-unknown-properties=false turns this check into"
                + " a warning.";
        return new FailureAnalysis(description.toString(), action, cause);
    }
}
