package io.onceflow.chaos.campaign;

import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.core.ProtocolPoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The protocol points each job's processors are still to crash at, in a seeded order, and when a starting processor
 * may take the next one: not after {@link #stop()}, and not while the job waits for a zombie (its processors restart
 * unarmed until one can be frozen, see {@link ProcessorFleet#freeze}). Not thread-safe: the fleet's lock guards it.
 */
final class ArmingPlan {

    private final Map<LedgerVariant, Deque<ProtocolPoint>> pending = new EnumMap<>(LedgerVariant.class);
    private final Set<LedgerVariant> wantingZombie = EnumSet.noneOf(LedgerVariant.class);
    private boolean arming = true;

    /** Every point of each job, {@code rounds} times, each round shuffled with {@code random}. */
    ArmingPlan(List<LedgerVariant> variants, int rounds, Random random) {
        for (LedgerVariant variant : variants) {
            List<ProtocolPoint> due = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                List<ProtocolPoint> points = new ArrayList<>(variant.points());
                Collections.shuffle(points, random);
                due.addAll(points);
            }
            pending.put(variant, new ArrayDeque<>(due));
        }
    }

    /** The point a processor of {@code variant} starting now is armed with, taken from the plan; null for none. */
    @Nullable
    ProtocolPoint take(LedgerVariant variant) {
        return arming && !wantingZombie.contains(variant) ? pending.get(variant).pollFirst() : null;
    }

    /** A processor died before its point: the point goes back first in line, for the job's next start. */
    void giveBack(LedgerVariant variant, ProtocolPoint point) {
        if (arming) {
            pending.get(variant).addFirst(point);
        }
    }

    /** The next point a start of {@code variant} would take now, if any. */
    @Nullable
    ProtocolPoint next(LedgerVariant variant) {
        return arming && !wantingZombie.contains(variant) ? pending.get(variant).peekFirst() : null;
    }

    /** Whether no point of {@code variant} is left to take (armed processors may still be on their way to theirs). */
    boolean exhausted(LedgerVariant variant) {
        return pending.get(variant).isEmpty();
    }

    /** The job waits for a zombie: its processors start unarmed meanwhile. True when it was not waiting yet. */
    boolean wantZombie(LedgerVariant variant) {
        return wantingZombie.add(variant);
    }

    /** The job's zombie is placed, or given up on: its processors take points again. */
    void zombieDone(LedgerVariant variant) {
        wantingZombie.remove(variant);
    }

    /** From now on no processor is armed. */
    void stop() {
        arming = false;
        pending.values().forEach(Deque::clear);
    }

    /** The points left per job, for a failure message. */
    String left() {
        StringBuilder left = new StringBuilder();
        pending.forEach(
                (variant, points) -> left.append(variant).append(": due ").append(points));
        return left.toString();
    }
}
