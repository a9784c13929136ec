package io.onceflow.testinfra;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the infra's knobs: a system property wins over the matching environment variable.
 *
 * <p>Environment names are derived mechanically ({@code onceflow.test.postgres.url} becomes
 * {@code ONCEFLOW_TEST_POSTGRES_URL}) so the README can document one name per setting.
 */
final class Settings {
    private Settings() {}

    static Optional<String> get(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(envName(property));
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    static String get(String property, String fallback) {
        return get(property).orElse(fallback);
    }

    static boolean flag(String property, boolean fallback) {
        return get(property).map(Boolean::parseBoolean).orElse(fallback);
    }

    static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Where brokers and embedded servers keep their files. The parent's surefire configuration points
     * {@code java.io.tmpdir} at {@code target/}, so by default everything lands in the module's build directory.
     */
    static Path workDirectory() {
        return Path.of(get("onceflow.test.workdir", System.getProperty("java.io.tmpdir")))
                .toAbsolutePath();
    }
}
