package io.onceflow.demo;

import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import reactor.core.Disposable;

/**
 * Batch mode ({@code --onceflow.demo.events=N}): sends N payments, crashes the pipeline a few times on the way
 * ({@code onceflow.demo.batch-crashes}), shows a progress bar until every payment has had its effect, prints the
 * audit table, and sets the exit code: 0 only when the audit is exact.
 *
 * <pre>
 *   send N ─▶ ledger … crash … ledger … crash … ledger ─▶ in flight = 0 and every sum agrees ─▶ table, exit 0
 *                                                     └─▶ an anomaly, or the timeout ─────────▶ table, exit 1
 * </pre>
 *
 * <p>It runs on the main thread, once the application has started (so the pipeline runs), and waits there; it never
 * waits on a Reactor thread.
 *
 * @since 0.1
 */
final class BatchRun implements ApplicationRunner, ExitCodeGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);
    private static final Duration POLL = Duration.ofMillis(250);

    private final DemoProperties settings;
    private final LoadGenerator generator;
    private final CrashInjector crashes;
    private final Pipeline pipeline;
    private final LedgerAuditor auditor;
    private final AuditService audits;
    private final PrintStream out;
    private volatile int exitCode;

    BatchRun(
            DemoProperties settings,
            LoadGenerator generator,
            CrashInjector crashes,
            Pipeline pipeline,
            LedgerAuditor auditor,
            AuditService audits,
            PrintStream out) {
        this.settings = settings;
        this.generator = generator;
        this.crashes = crashes;
        this.pipeline = pipeline;
        this.auditor = auditor;
        this.audits = audits;
        this.out = out;
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        if (!settings.batch()) {
            return;
        }
        long events = settings.events();
        long start = System.nanoTime();
        long deadline = start + settings.batchTimeout().toNanos();
        // a configured cluster may hold payments of earlier runs: the audit covers them, the progress bar does not
        LedgerAuditState.LedgerCounts before = auditor.counts();
        long baseline = before.entries() + before.deadLetters();
        long restartsBefore = pipeline.status().restarts();
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Disposable checkpoints =
                pipeline.events().subscribe(event -> (event.completed() ? completed : failed).incrementAndGet());
        AtomicLong sent = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicBoolean allSent = new AtomicBoolean();
        out.printf(
                "Sending %,d payments (%,d a second, %.0f%% invalid), crashing the pipeline up to %d times meanwhile%n",
                events, settings.batchRate(), settings.generator().invalidShare() * 100, settings.batchCrashes());
        Disposable sender = generator
                .send(settings.batchRate(), events)
                .subscribe(
                        ok -> (ok ? sent : refused).incrementAndGet(),
                        failure -> {
                            LOG.error("sending payments failed: {}", failure.toString());
                            allSent.set(true);
                        },
                        () -> allSent.set(true));

        ProgressBar bar = new ProgressBar(out, events, System.console() != null);
        int crashes = 0;
        long completedAtCrash = 0;
        long inFlightAtCrashes = 0;
        Audit audit = null;
        try {
            while (System.nanoTime() < deadline) {
                LedgerAuditState.LedgerCounts counts = auditor.counts();
                long through = counts.entries() + counts.deadLetters() - baseline;
                boolean sendingDone = allSent.get();
                // crash while payments arrive, each time in the middle of a checkpoint of a pipeline that has
                // committed since it last restarted: the crash then loses work the next run must redo exactly
                if (!sendingDone
                        && crashes < settings.batchCrashes()
                        && sent.get() >= events * (crashes + 1) / (settings.batchCrashes() + 1)
                        && completed.get() > completedAtCrash
                        && midCheckpoint()
                        && crash()) {
                    crashes++;
                    inFlightAtCrashes += counts.inFlight();
                    completedAtCrash = completed.get();
                }
                bar.show(
                        through,
                        crashes == 0 ? "" : String.format("  · %d crash%s", crashes, crashes == 1 ? "" : "es"));
                if (sendingDone && through >= sent.get() && counts.inFlight() == 0 && running()) {
                    // blocking-ok: the main thread, waiting for the batch
                    audit = audits.audit().block(Duration.ofSeconds(30));
                    if (audit != null && audit.verdict() != Audit.Verdict.EXACT_SO_FAR) {
                        break;
                    }
                }
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            }
            if (audit == null || audit.verdict() == Audit.Verdict.EXACT_SO_FAR) {
                audit = audits.audit().block(Duration.ofSeconds(30));
                out.println();
                out.println("The batch did not finish within "
                        + settings.batchTimeout().toSeconds() + " s.");
            }
        } finally {
            sender.dispose();
            checkpoints.dispose();
            bar.finish();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.println();
        out.println(AuditTable.format(
                audit,
                new AuditTable.BatchFigures(
                        sent.get(),
                        inFlightAtCrashes,
                        this.crashes.crashes(),
                        pipeline.status().restarts() - restartsBefore,
                        completed.get(),
                        failed.get(),
                        seconds)));
        exitCode = audit.exact() && refused.get() == 0 ? 0 : 1;
    }

    /** Whether half a checkpoint interval has passed since the last one completed. */
    private boolean midCheckpoint() {
        long last = pipeline.status().lastCompletedAtMillis();
        return System.currentTimeMillis() - last
                >= pipeline.options().checkpointInterval().toMillis() / 2;
    }

    /** Whether the pipeline runs (not down after a crash): the batch ends with a graceful stop of a running one. */
    private boolean running() {
        return !crashes.crashed() && pipeline.status().state() == PipelineStatus.State.RUNNING;
    }

    private boolean crash() {
        try {
            // blocking-ok: the main thread; a refused crash (the pipeline still restarting) is tried again later
            crashes.crash().block(Duration.ofSeconds(30));
            return true;
        } catch (CrashInjector.CrashRefusedException e) {
            return false;
        }
    }

    @Override
    public int getExitCode() {
        return exitCode;
    }
}
