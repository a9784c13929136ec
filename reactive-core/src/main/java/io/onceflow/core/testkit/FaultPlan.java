package io.onceflow.core.testkit;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** When an in-memory participant fails: on command, a number of times per step, or at random. Thread-safe. */
final class FaultPlan {

    private final Map<ProtocolStep, Integer> planned = new EnumMap<>(ProtocolStep.class);
    private final Map<ProtocolStep, Integer> injected = new EnumMap<>(ProtocolStep.class);
    private Set<ProtocolStep> randomSteps = EnumSet.noneOf(ProtocolStep.class);
    private double probability;
    private Random random = new Random(0);

    synchronized void failNext(ProtocolStep step, int times) {
        planned.merge(step, times, Integer::sum);
    }

    synchronized void failRandomly(double failureProbability, long seed, Set<ProtocolStep> steps) {
        if (!(failureProbability >= 0 && failureProbability <= 1)) {
            throw new IllegalArgumentException("probability must be between 0 and 1, was " + failureProbability);
        }
        this.probability = failureProbability;
        this.random = new Random(seed);
        this.randomSteps = steps.isEmpty() ? EnumSet.noneOf(ProtocolStep.class) : EnumSet.copyOf(steps);
    }

    synchronized void clear() {
        planned.clear();
        probability = 0;
        randomSteps = EnumSet.noneOf(ProtocolStep.class);
    }

    /** Throws the injected failure if {@code step} is due to fail now. */
    void check(ProtocolStep step, String participant) {
        boolean fail;
        synchronized (this) {
            int left = planned.getOrDefault(step, 0);
            if (left > 0) {
                planned.put(step, left - 1);
                fail = true;
            } else {
                fail = randomSteps.contains(step) && random.nextDouble() < probability;
            }
            if (fail) {
                injected.merge(step, 1, Integer::sum);
            }
        }
        if (fail) {
            throw new InjectedFailure(participant, step);
        }
    }

    synchronized int injected(ProtocolStep step) {
        return injected.getOrDefault(step, 0);
    }

    synchronized int injectedTotal() {
        return injected.values().stream().mapToInt(Integer::intValue).sum();
    }
}
