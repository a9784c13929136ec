package io.onceflow.testinfra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classpath of the child-JVM broker.
 *
 * <p>The build writes this module's runtime classpath (kafka_2.13 and the server jars, the very ones the in-process
 * broker runs on) plus an SLF4J provider into {@code kafka-broker.classpath}. The child gets that, never the test's
 * classpath, so a test module may manage its client libraries as it likes.
 */
final class BrokerClasspath {
    static final String OVERRIDE_PROPERTY = "onceflow.test.kafka.classpath";
    private static final Logger log = LoggerFactory.getLogger(BrokerClasspath.class);
    private static final String RESOURCE = "kafka-broker.classpath";

    private BrokerClasspath() {}

    static String resolve() {
        Optional<String> override = Settings.get(OVERRIDE_PROPERTY);
        List<String> entries = new ArrayList<>();
        // The infra's own classes or jar, for ChildBrokerMain.
        entries.add(ownLocation());
        if (override.isPresent()) {
            entries.add(override.get());
        } else {
            List<String> built = fromResource();
            List<String> missing =
                    built.stream().filter(e -> !Files.exists(Path.of(e))).toList();
            if (!built.isEmpty() && missing.isEmpty()) {
                entries.addAll(built);
            } else {
                // E.g. the infra jar was built on another machine. The test's classpath holds the same server jars,
                // as the infra depends on them, so it is a safe second choice.
                log.warn(
                        "{} unusable ({} entries, missing {}); the child broker uses this JVM's classpath",
                        RESOURCE,
                        built.size(),
                        missing.isEmpty() ? "none" : missing.get(0));
                entries.add(System.getProperty("java.class.path"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static List<String> fromResource() {
        try (InputStream in = BrokerClasspath.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return List.of();
            }
            String content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> entries = new ArrayList<>();
            for (String line : content.split("\\R")) {
                if (!line.isBlank() && !line.contains("${")) {
                    entries.addAll(Arrays.asList(line.trim().split(File.pathSeparator)));
                }
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    private static String ownLocation() {
        try {
            return Path.of(ChildBrokerMain.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the infra's own classes", e);
        }
    }
}
