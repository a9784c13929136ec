package io.onceflow.chaos.campaign;

import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.core.ProtocolPoint;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * One processor of the {@link ProcessorFleet}: its successive incarnations (child JVMs), and what the fleet knows of
 * the current one. Guarded by the fleet's lock.
 */
final class FleetProcessor {
    /** Processors of a job that run the generated shapes. */
    private static final int SHAPE_PROCESSORS = 2;

    final LedgerVariant variant;
    final String id;
    final Path log;
    final LogFollower follower;

    @Nullable
    Process process;

    long upSince;

    @Nullable
    ProtocolPoint armed;

    boolean killedByUs;
    boolean frozen;
    long restartAt;
    long restartNotBefore;
    long zombieWatchUntil;
    long nudgedAt;

    /** Whether its pipeline has claimed partitions since it (or its pipeline) last started: a zombie needs some. */
    boolean owns;

    /** The claims (restores) its ledger pipeline has made, over all its incarnations. */
    int claims;

    /** Whether the last line it printed was the ledger's rebalance point (printed just before a halt there). */
    boolean lastLineRebalancePoint;

    FleetProcessor(LedgerVariant variant, String id, Path log) {
        this.variant = variant;
        this.id = id;
        this.log = log;
        this.follower = new LogFollower(log);
    }

    String name() {
        return variant.pipeline() + "/" + id;
    }

    boolean running() {
        return process != null && process.isAlive() && !frozen;
    }

    /**
     * Whether it runs the generated shapes beside the ledger: the first {@value #SHAPE_PROCESSORS} of its job do. A
     * third processor runs the ledger alone: with every processor of three per job running its job's ten shape
     * pipelines, a long round's load (66 pipelines, each creating its Kafka clients again every few seconds while the
     * broker was down) kept the broker, killed, from starting again within 90 s, four times in a row.
     */
    boolean runsShapes() {
        return Integer.parseInt(id) < SHAPE_PROCESSORS;
    }
}
