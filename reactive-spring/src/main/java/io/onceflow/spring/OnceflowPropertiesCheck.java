package io.onceflow.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.core.PriorityOrdered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Checks every {@code onceflow.*} property once the bean definitions are known and before any bean is created, so
 * that a wrong setting stops the application before a server or a connection pool starts:
 *
 * <ul>
 *   <li>a value that breaks a rule of {@link OnceflowProperties} fails with Spring Boot's
 *       {@link InvalidConfigurationPropertyValueException}, naming the property, the value as it was written, and the
 *       rule (Boot's failure analysis adds where it was set);
 *   <li>a property nothing binds fails with {@link UnknownOnceflowPropertiesException}, or is logged when
 *       {@code onceflow.fail-on-unknown-properties} is false. Nothing binds a name that is not a property of
 *       {@link OnceflowProperties}, unless a {@code @ConfigurationProperties} bean of the application claims a prefix
 *       under {@code onceflow.} that covers it, or it is under {@code onceflow.test.} or {@code onceflow.infra.}
 *       (Onceflow's test tooling, set as JVM system properties), or it is {@code onceflow.version} (a build's).
 * </ul>
 */
final class OnceflowPropertiesCheck implements BeanFactoryPostProcessor, PriorityOrdered {

    private static final Logger LOG = LoggerFactory.getLogger(OnceflowPropertiesCheck.class);
    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of(OnceflowProperties.PREFIX);
    /**
     * Names that are not settings of an application: Onceflow's test tooling ({@code onceflow.test.*},
     * {@code onceflow.infra.*}), and a build's {@code onceflow.version}, which Maven passes to the test JVM as a system
     * property when it is given on the command line ({@code mvn -Donceflow.version=...}).
     */
    private static final List<ConfigurationPropertyName> RESERVED = List.of(
            ConfigurationPropertyName.of("onceflow.test"),
            ConfigurationPropertyName.of("onceflow.infra"),
            ConfigurationPropertyName.of("onceflow.version"));

    private final ConfigurableEnvironment environment;

    OnceflowPropertiesCheck(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        OnceflowProperties properties = bind(environment);
        List<UnknownOnceflowPropertiesException.UnknownProperty> unknown =
                unknown(ConfigurationPropertySources.get(environment), claimedPrefixes(beanFactory));
        if (unknown.isEmpty()) {
            return;
        }
        UnknownOnceflowPropertiesException failure = new UnknownOnceflowPropertiesException(unknown);
        if (properties.failOnUnknownProperties()) {
            throw failure;
        }
        LOG.warn("{} (onceflow.fail-on-unknown-properties=false: ignored)", failure.getMessage());
    }

    /**
     * Binds and validates {@code onceflow.*}; a broken rule is reported with the value as written.
     *
     * @throws InvalidConfigurationPropertyValueException naming the property, the value and the rule
     */
    static OnceflowProperties bind(ConfigurableEnvironment environment) {
        try {
            return Binder.get(environment)
                    .bind(OnceflowProperties.PREFIX, Bindable.of(OnceflowProperties.class))
                    .orElseGet(OnceflowProperties::defaults);
        } catch (RuntimeException e) {
            InvalidConfigurationPropertyValueException invalid = find(e);
            if (invalid == null) {
                throw e;
            }
            ConfigurationProperty written = property(environment, invalid.getName());
            Object value = written != null ? written.getValue() : invalid.getValue();
            throw new InvalidConfigurationPropertyValueException(invalid.getName(), value, invalid.getReason());
        }
    }

    private static @Nullable InvalidConfigurationPropertyValueException find(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidConfigurationPropertyValueException invalid) {
                return invalid;
            }
        }
        return null;
    }

    private static @Nullable ConfigurationProperty property(ConfigurableEnvironment environment, String name) {
        ConfigurationPropertyName key = ConfigurationPropertyName.of(name);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty property = source.getConfigurationProperty(key);
            if (property != null) {
                return property;
            }
        }
        return null;
    }

    /** Prefixes under {@code onceflow.} that {@code @ConfigurationProperties} beans of the application bind. */
    static List<ConfigurationPropertyName> claimedPrefixes(ConfigurableListableBeanFactory beanFactory) {
        List<ConfigurationPropertyName> claimed = new ArrayList<>();
        for (String bean : beanFactory.getBeanDefinitionNames()) {
            ConfigurationProperties annotation;
            Class<?> type;
            try {
                annotation = beanFactory.findAnnotationOnBean(bean, ConfigurationProperties.class, false);
                type = beanFactory.getType(bean, false);
            } catch (RuntimeException e) {
                continue; // a definition whose type cannot be resolved without creating it binds nothing of ours
            }
            if (annotation == null || type == OnceflowProperties.class) {
                continue;
            }
            String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
            ConfigurationPropertyName name = ConfigurationPropertyName.ofIfValid(prefix);
            if (name != null && ROOT.isAncestorOf(name)) {
                claimed.add(name);
            }
        }
        return claimed;
    }

    /** The properties under {@code onceflow.} that neither Onceflow nor a claimed prefix binds, by name. */
    static List<UnknownOnceflowPropertiesException.UnknownProperty> unknown(
            Iterable<ConfigurationPropertySource> sources, List<ConfigurationPropertyName> claimed) {
        KnownProperties known = KnownProperties.of();
        Map<ConfigurationPropertyName, UnknownOnceflowPropertiesException.UnknownProperty> unknown = new TreeMap<>();
        for (ConfigurationPropertySource source : sources) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            boolean loose = source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
            iterable.stream()
                    .filter(ROOT::isAncestorOf)
                    .filter(name -> !covered(name, claimed) && !covered(name, RESERVED))
                    .filter(name -> !known.contains(name, loose))
                    .forEach(name -> unknown.computeIfAbsent(name, n -> describe(source, n, known)));
        }
        return List.copyOf(unknown.values());
    }

    private static boolean covered(ConfigurationPropertyName name, List<ConfigurationPropertyName> prefixes) {
        for (ConfigurationPropertyName prefix : prefixes) {
            if (prefix.equals(name) || prefix.isAncestorOf(name)) {
                return true;
            }
        }
        return false;
    }

    private static UnknownOnceflowPropertiesException.UnknownProperty describe(
            ConfigurationPropertySource source, ConfigurationPropertyName name, KnownProperties known) {
        ConfigurationProperty property = source.getConfigurationProperty(name);
        Object value = property != null ? property.getValue() : null;
        Origin origin = property != null ? property.getOrigin() : null;
        return new UnknownOnceflowPropertiesException.UnknownProperty(
                name.toString(), value, origin != null ? origin.toString() : null, known.suggestion(name));
    }

    /** Every property {@link OnceflowProperties} binds: for documentation and tests. */
    static Set<ConfigurationPropertyName> knownNames() {
        return KnownProperties.of().names();
    }
}
