package io.onceflow.testinfra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps track of the processes this JVM starts (child brokers, and any child JVM a test runs, such as the crash
 * campaign's processors), so none outlives it.
 *
 * <p>Three defences, from the most to the least immediate: the child watches its standard input and halts when it
 * closes ({@link #haltWhenParentDies()}); a shutdown hook SIGKILLs every live child when this JVM exits normally; and
 * every child has a pid file in a well-known directory, so that the next JVM reaps the children of a JVM that was
 * itself SIGKILLed. A pid file is acted upon only when its owner is dead and the process with the child's pid still
 * has this owner's marker on its command line, so an unrelated process that reused the pid is never touched.
 *
 * <pre>{@code
 * ChildProcesses.reapOrphansOnce();                       // the leftovers of a JVM that was killed
 * List<String> command = List.of(java, ChildProcesses.markerOption(), "-cp", classpath, Main.class.getName());
 * Process child = ChildProcesses.start(new ProcessBuilder(command), "processor 1");
 * ...
 * ChildProcesses.kill(child);                             // SIGKILL, waits, forgets
 * }</pre>
 *
 * <p>In the child, {@link #haltWhenParentDies()} as the first line of {@code main}.
 */
public final class ChildProcesses {
    static final String OWNER_PROPERTY = "onceflow.infra.owner";

    private static final Logger log = LoggerFactory.getLogger(ChildProcesses.class);
    private static final String MARKER = ProcessHandle.current().pid() + "-" + UUID.randomUUID();
    private static final Map<Process, Path> LIVE = new ConcurrentHashMap<>();
    private static final AtomicBoolean REAPED = new AtomicBoolean();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::killAll, "onceflow-child-killer"));
    }

    private ChildProcesses() {}

    /** The JVM option that marks a child as ours; it must appear on the child's command line. */
    public static String markerOption() {
        return "-D" + OWNER_PROPERTY + "=" + MARKER;
    }

    /**
     * The command that runs {@code mainClass}, from this JVM's class path, in a child JVM for {@link #start}: marked as
     * ours, small and quick to start (serial collector, C1 only) since two cores are shared by every child, and logging
     * Onceflow at INFO and everything else at WARN to its standard output, each line with its time of day.
     *
     * @param jvmOptions further options, the heap size first (e.g. {@code -Xmx256m})
     * @param arguments the main class's arguments
     */
    public static List<String> javaCommand(List<String> jvmOptions, Class<?> mainClass, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                markerOption(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log.io.onceflow=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-Dorg.slf4j.simpleLogger.logFile=System.out",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass.getName()));
        command.addAll(arguments);
        return command;
    }

    /** Overridable so that tests, or several users on one machine, can keep their pid files apart. */
    static Path pidDirectory() {
        return Path.of(Settings.get("onceflow.test.pid-dir", "/tmp/onceflow-infra-pids"));
    }

    /**
     * Starts the process (whose command must contain {@link #markerOption()}) and registers it: a pid file, and the
     * shutdown hook. Leave its standard input a pipe (the default) for {@link #haltWhenParentDies()}, and keep the
     * returned {@code Process}: the pipe closes with it.
     */
    public static Process start(ProcessBuilder builder, String description) throws IOException {
        if (!builder.command().contains(markerOption())) {
            throw new IllegalArgumentException("the command lacks " + markerOption());
        }
        Process process = builder.start();
        Path pidFile;
        try {
            pidFile = writePidFile(process, description);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly(); // untracked, it could outlive us
            throw e;
        }
        LIVE.put(process, pidFile);
        return process;
    }

    /** SIGKILLs the process, waits until it is gone, and forgets it. */
    public static void kill(Process process) {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("pid " + process.pid() + " survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing pid " + process.pid(), e);
        } finally {
            forget(process);
        }
    }

    /** Drops the bookkeeping of a process that is known to be dead: its pid file goes. */
    public static void forget(Process process) {
        Path pidFile = LIVE.remove(process);
        if (pidFile != null) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                log.debug("cannot delete {}", pidFile, e);
            }
        }
    }

    /** Freezes the process with SIGSTOP and waits until the kernel reports it stopped. */
    public static void stop(Process process) {
        signal(process, "STOP", true);
    }

    /** Thaws the process with SIGCONT and waits until the kernel reports it running again. */
    public static void resume(Process process) {
        signal(process, "CONT", false);
    }

    private static void signal(Process process, String signal, boolean stopped) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill(1)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling pid " + process.pid(), e);
        }
        awaitState(process.pid(), stopped);
    }

    /** Reaps the orphans of dead JVMs, once per JVM: called before this JVM starts its first child. */
    public static void reapOrphansOnce() {
        if (REAPED.compareAndSet(false, true)) {
            reapOrphans();
        }
    }

    /**
     * Kills every child whose owning JVM is dead and removes its pid file; returns how many it killed. Pid files of
     * live owners are left alone: another test JVM may be running next to this one.
     */
    public static int reapOrphans() {
        Path dir = pidDirectory();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".pid"))
                    .toList();
        } catch (IOException e) {
            log.warn("cannot list {}", dir, e);
            return 0;
        }
        int killed = 0;
        for (Path file : files) {
            killed += reap(file) ? 1 : 0;
        }
        return killed;
    }

    private static boolean reap(Path file) {
        Properties entry = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            entry.load(in);
        } catch (IOException e) {
            return false; // removed meanwhile by its owner
        }
        long ownerPid;
        long childPid;
        try {
            ownerPid = Long.parseLong(entry.getProperty("owner.pid"));
            childPid = Long.parseLong(entry.getProperty("child.pid"));
        } catch (NumberFormatException e) {
            deleteQuietly(file);
            return false;
        }
        if (isAlive(ownerPid, entry.getProperty("owner.start"))) {
            return false;
        }
        boolean killed = false;
        String marker = "-D" + OWNER_PROPERTY + "=" + entry.getProperty("marker");
        Optional<ProcessHandle> child = ProcessHandle.of(childPid);
        if (child.isPresent()
                && commandLine(childPid).map(c -> c.contains(marker)).orElse(false)) {
            log.warn(
                    "Killing orphaned {} (pid {}) left by dead JVM {}",
                    entry.getProperty("description"),
                    childPid,
                    ownerPid);
            child.get().destroyForcibly();
            try {
                child.get().onExit().get(10, TimeUnit.SECONDS);
                killed = true;
            } catch (Exception e) {
                log.warn("orphan pid {} did not die within 10 s", childPid);
            }
        }
        deleteQuietly(file);
        return killed;
    }

    private static boolean isAlive(long pid, String recordedStart) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        if (recordedStart == null) {
            return true;
        }
        // The same pid with another start time is a new process: the owner is dead.
        return handle.get()
                .info()
                .startInstant()
                .map(start -> start.toEpochMilli() == Long.parseLong(recordedStart))
                .orElse(true);
    }

    /** The full command line; /proc first because ProcessHandle.Info may be truncated or empty. */
    static Optional<String> commandLine(long pid) {
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        try {
            if (Files.exists(cmdline)) {
                return Optional.of(new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).replace('\0', ' '));
            }
        } catch (IOException e) {
            // fall through
        }
        return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine());
    }

    /**
     * In a child JVM: halts it (as a SIGKILL would, without shutdown hooks) as soon as its standard input reaches
     * end-of-file, which happens when the JVM holding the other end of the pipe dies, even by SIGKILL. Starts a daemon
     * thread and returns; the child must never read its standard input itself.
     */
    public static void haltWhenParentDies() {
        Thread watchdog = new Thread(
                () -> {
                    try {
                        while (System.in.read() >= 0) {
                            // the parent never writes; we only wait for the pipe to close
                        }
                    } catch (IOException ignored) {
                        // a broken pipe means the same as end-of-file
                    }
                    System.err.println("[onceflow] the parent JVM is gone: halting");
                    Runtime.getRuntime().halt(3);
                },
                "onceflow-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static Path writePidFile(Process process, String description) throws IOException {
        Path dir = pidDirectory();
        Files.createDirectories(dir);
        Properties entry = new Properties();
        entry.setProperty("owner.pid", Long.toString(ProcessHandle.current().pid()));
        ProcessHandle.current()
                .info()
                .startInstant()
                .map(Instant::toEpochMilli)
                .ifPresent(start -> entry.setProperty("owner.start", Long.toString(start)));
        entry.setProperty("child.pid", Long.toString(process.pid()));
        entry.setProperty("marker", MARKER);
        entry.setProperty("description", description);
        Path file = dir.resolve(process.pid() + ".pid");
        try (OutputStream out = Files.newOutputStream(file)) {
            entry.store(out, "onceflow test infra child process");
        }
        return file;
    }

    private static void killAll() {
        for (Process process : new ArrayList<>(LIVE.keySet())) {
            process.destroyForcibly();
            forget(process);
        }
    }

    private static void awaitState(long pid, boolean stopped) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) {
            return; // not Linux: trust kill(1)
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                String content = Files.readString(stat);
                // "pid (comm) S ...": the state follows the last ')', as comm may itself contain ')'.
                char state = content.charAt(content.lastIndexOf(')') + 2);
                if ((state == 'T') == stopped) {
                    return;
                }
                Thread.sleep(10);
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("pid " + pid + (stopped ? " did not stop" : " did not resume") + " within 5 s");
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // another JVM reaping at the same time
        }
    }
}
