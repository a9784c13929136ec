package io.onceflow.testinfra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Answers "may we use Testcontainers?" quickly and at most once per JVM.
 *
 * <p>Testcontainers' own probe is fast when nothing is there (~300 ms), but it still walks every strategy, and a
 * half-alive daemon could make it wait. So we first look for a hint that a daemon may exist at all (DOCKER_HOST, a
 * socket file, a Testcontainers config), and only then ask, on a daemon thread with a deadline.
 */
final class Docker {
    private static final Logger log = LoggerFactory.getLogger(Docker.class);
    private static final long PROBE_TIMEOUT_SECONDS = 15;
    private static volatile Boolean available;

    private Docker() {}

    static boolean isAvailable() {
        Boolean answer = available;
        if (answer == null) {
            synchronized (Docker.class) {
                answer = available;
                if (answer == null) {
                    answer = probe();
                    available = answer;
                }
            }
        }
        return answer;
    }

    private static boolean probe() {
        Optional<String> forced = Settings.get("onceflow.test.docker");
        if (forced.isPresent()) {
            return Boolean.parseBoolean(forced.get());
        }
        Optional<String> hint = hint();
        if (hint.isEmpty()) {
            log.debug("No Docker: no DOCKER_HOST, no docker.sock, no ~/.testcontainers.properties");
            return false;
        }
        long start = System.nanoTime();
        CompletableFuture<Boolean> asked = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        asked.complete(DockerClientFactory.instance().isDockerAvailable());
                    } catch (Throwable t) {
                        asked.complete(false);
                    }
                },
                "onceflow-docker-probe");
        thread.setDaemon(true);
        thread.start();
        boolean result;
        try {
            result = asked.get(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            result = false;
        }
        log.info(
                "Docker {} ({}; probe took {} ms)",
                result ? "answers" : "does not answer",
                hint.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return result;
    }

    private static Optional<String> hint() {
        if (System.getenv("DOCKER_HOST") != null) {
            return Optional.of("DOCKER_HOST=" + System.getenv("DOCKER_HOST"));
        }
        String home = System.getProperty("user.home");
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        List<Path> candidates = new ArrayList<>(List.of(
                Path.of("/var/run/docker.sock"),
                Path.of(home, ".docker", "run", "docker.sock"),
                Path.of(home, ".testcontainers.properties")));
        if (runtimeDir != null) {
            candidates.add(Path.of(runtimeDir, "docker.sock"));
        }
        return candidates.stream().filter(Files::exists).map(Path::toString).findFirst();
    }
}
