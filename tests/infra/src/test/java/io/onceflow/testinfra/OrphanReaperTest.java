package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The three defences against brokers outliving their test JVM. */
class OrphanReaperTest {

    @Test
    void reapsTheBrokerOfADeadOwner() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(BrokerMode.CHILD_PROCESS)) {
            long pid = ((ChildProcessKafkaBroker) broker).pid();
            Path pidFile = ChildProcesses.pidDirectory().resolve(pid + ".pid");
            assertThat(pidFile).exists();

            // Pretend this JVM died: the pid file now names an owner that no longer exists.
            Properties entry = load(pidFile);
            entry.setProperty("owner.pid", Long.toString(deadPid()));
            store(pidFile, entry);

            assertThat(ChildProcesses.reapOrphans()).isGreaterThanOrEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !alive(pid));
            assertThat(pidFile).doesNotExist();
        }
    }

    @Test
    void sparesAProcessWithoutTheOwnersMarker() throws Exception {
        // A pid reused by an unrelated process: same pid, but not our command line.
        Process unrelated = new ProcessBuilder("sleep", "60").start();
        try {
            Path pidFile = writePidFile(unrelated.pid(), deadPid(), "some-other-marker");
            ChildProcesses.reapOrphans();
            assertThat(unrelated.isAlive()).isTrue();
            assertThat(pidFile).doesNotExist(); // stale, so removed
        } finally {
            unrelated.destroyForcibly();
        }
    }

    @Test
    void leavesTheChildrenOfLiveOwnersAlone() throws Exception {
        Process child = new ProcessBuilder("sleep", "60").start();
        try {
            Path pidFile = writePidFile(child.pid(), ProcessHandle.current().pid(), "x");
            ChildProcesses.reapOrphans();
            assertThat(child.isAlive()).isTrue();
            assertThat(pidFile).exists();
            Files.delete(pidFile);
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void brokerHaltsByItselfWhenItsOwnerIsKilled() throws Exception {
        Process owner = startOwner(true);
        long brokerPid = brokerPidOf(owner);
        owner.destroyForcibly(); // SIGKILL: no shutdown hook runs
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(brokerPid));
        // The pid file outlived its owner; the next reaping removes it.
        ChildProcesses.reapOrphans();
        assertThat(ChildProcesses.pidDirectory().resolve(brokerPid + ".pid")).doesNotExist();
    }

    @Test
    void nextJvmReapsTheBrokerOfAKilledOwner() throws Exception {
        Process owner = startOwner(false); // without the watchdog, only the pid file is left to save us
        long brokerPid = brokerPidOf(owner);
        owner.destroyForcibly();
        owner.waitFor(10, TimeUnit.SECONDS);
        assertThat(alive(brokerPid)).isTrue();
        assertThat(ChildProcesses.reapOrphans()).isGreaterThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(brokerPid));
    }

    private static Process startOwner(boolean watchdog) throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-Donceflow.test.kafka.parent-watchdog=" + watchdog,
                "-cp",
                System.getProperty("java.class.path"),
                BrokerOwnerMain.class.getName());
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static long brokerPidOf(Process owner) throws Exception {
        CompletableFuture<Long> pid = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith(BrokerOwnerMain.PID_PREFIX)) {
                        long found = Long.parseLong(line.substring(BrokerOwnerMain.PID_PREFIX.length()));
                        // Keep draining, or the owner blocks on a full pipe.
                        Thread drainer = new Thread(() -> drain(out));
                        drainer.setDaemon(true);
                        drainer.start();
                        return found;
                    }
                }
                throw new IllegalStateException("the owner JVM exited without starting a broker");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return pid.get(90, TimeUnit.SECONDS);
        } catch (Exception e) {
            owner.destroyForcibly();
            throw e;
        }
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // discard
            }
        } catch (IOException ignored) {
            // the owner was killed
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The pid of a process that has just exited; reuse within the test's lifetime is practically impossible. */
    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor(10, TimeUnit.SECONDS);
        return process.pid();
    }

    private static Path writePidFile(long childPid, long ownerPid, String marker) throws Exception {
        Files.createDirectories(ChildProcesses.pidDirectory());
        Path file = ChildProcesses.pidDirectory().resolve(childPid + ".pid");
        Properties entry = new Properties();
        entry.setProperty("owner.pid", Long.toString(ownerPid));
        entry.setProperty("child.pid", Long.toString(childPid));
        entry.setProperty("marker", marker);
        entry.setProperty("description", "test entry");
        store(file, entry);
        return file;
    }

    private static Properties load(Path file) throws Exception {
        Properties entry = new Properties();
        try (var in = Files.newInputStream(file)) {
            entry.load(in);
        }
        return entry;
    }

    private static void store(Path file, Properties entry) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            entry.store(out, null);
        }
    }
}
