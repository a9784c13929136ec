package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * Reads the owner's output until it names its broker. The wait outlasts the owner's own bound on the broker's start
     * ({@link ChildProcessKafkaBroker}'s 90 s), so a slow start fails in the owner, with its reason, rather than here;
     * on any failure the message carries everything the owner printed, and a thread dump if it is stuck.
     */
    private static long brokerPidOf(Process owner) throws Exception {
        OwnerOutput output = new OwnerOutput(owner);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        try {
            while (true) {
                long pid = output.brokerPid();
                if (pid > 0) {
                    return pid;
                }
                if (output.ended()) {
                    owner.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("the owner JVM exited ("
                            + (owner.isAlive() ? "still alive" : "exit code " + owner.exitValue())
                            + ") without naming its broker; its output:\n" + output.text()
                            + brokerLogTail(output.text()));
                }
                if (System.nanoTime() > deadline) {
                    String threads = threadDump(owner.pid());
                    throw new AssertionError("the owner JVM (pid " + owner.pid() + ", "
                            + (owner.isAlive() ? "alive" : "exit code " + owner.exitValue())
                            + ") did not name its broker within 180 s; its output:\n" + output.text()
                            + brokerLogTail(output.text()) + "\nits threads:\n" + threads);
                }
                Thread.sleep(50);
            }
        } catch (Exception | AssertionError e) {
            owner.destroyForcibly();
            throw e;
        }
    }

    /**
     * Everything the owner JVM prints, read by a thread of its own from the start: never by a shared pool (on two cores
     * the common fork-join pool has a single worker, which anything else in this JVM may be holding), and always
     * drained, so that the owner never blocks on a full pipe.
     */
    private static final class OwnerOutput {
        private final StringBuffer text = new StringBuffer();
        private volatile long brokerPid = -1;
        private volatile boolean ended;

        OwnerOutput(Process owner) {
            Thread reader = new Thread(() -> read(owner), "owner-output-" + owner.pid());
            reader.setDaemon(true);
            reader.start();
        }

        private void read(Process owner) {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    text.append(line).append('\n');
                    if (line.startsWith(BrokerOwnerMain.PID_PREFIX)) {
                        brokerPid = Long.parseLong(line.substring(BrokerOwnerMain.PID_PREFIX.length()));
                    }
                }
            } catch (IOException e) {
                text.append("[reading the owner's output failed: ").append(e).append("]\n");
            } finally {
                ended = true;
            }
        }

        long brokerPid() {
            return brokerPid;
        }

        boolean ended() {
            return ended;
        }

        String text() {
            return text.toString();
        }
    }

    /** The end of the broker log that the owner's output names (a failed start says "see .../broker.log"). */
    private static String brokerLogTail(String ownerOutput) {
        Matcher named = Pattern.compile("(\\S+broker\\.log)").matcher(ownerOutput);
        if (!named.find()) {
            return "";
        }
        Path log = Path.of(named.group(1));
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "\nthe last lines of " + log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "\n[cannot read " + log + ": " + e + "]";
        }
    }

    /** The threads of a live JVM, by jcmd from the same JDK; a note instead when that fails. */
    private static String threadDump(long pid) {
        try {
            Process jcmd = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(pid),
                            "Thread.print")
                    .redirectErrorStream(true)
                    .start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return dump;
        } catch (IOException e) {
            return "[no thread dump: " + e + "]";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "[no thread dump: interrupted]";
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
