package io.onceflow.spring;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Properties under {@code onceflow.} that nothing binds, found at start-up: a typo, or a setting of an older version.
 * Thrown before any bean is created, so a misspelt setting never silently falls back to its default; Spring Boot
 * prints it as a failure analysis naming each property, its value, where it was set, and the closest known name.
 *
 * @since 0.1
 */
public final class UnknownOnceflowPropertiesException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Properties nothing binds, as the application set them. */
    private final transient List<UnknownProperty> properties;

    public UnknownOnceflowPropertiesException(List<UnknownProperty> properties) {
        super(message(properties));
        this.properties = List.copyOf(properties);
    }

    /** The properties nothing binds, in name order. */
    public List<UnknownProperty> properties() {
        return properties;
    }

    private static String message(List<UnknownProperty> properties) {
        return "unknown Onceflow properties: "
                + properties.stream().map(UnknownProperty::name).collect(Collectors.joining(", "));
    }

    /**
     * A property nothing binds.
     *
     * @param name its name, in the canonical form ({@code onceflow.pipeline.chekpoint-every})
     * @param value its value as set
     * @param origin where it was set, when known ({@code "class path resource [application.yml] - 12:5"})
     * @param suggestion the known property closest to it, when one is close
     */
    public record UnknownProperty(
            String name,
            @Nullable Object value,
            @Nullable String origin,
            @Nullable String suggestion) {

        public UnknownProperty {
            requireNonNull(name, "name");
        }
    }
}
