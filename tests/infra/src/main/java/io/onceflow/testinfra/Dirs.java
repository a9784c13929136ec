package io.onceflow.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Creates and removes the scratch directories of the services. */
final class Dirs {
    private Dirs() {}

    static Path create(String prefix) {
        try {
            Path base = Settings.workDirectory();
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory under " + Settings.workDirectory(), e);
        }
    }

    /** Best effort: a file still held open by a dying process must not turn a clean test run into a failure. */
    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // left for `mvn clean`
        }
    }
}
