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
}
