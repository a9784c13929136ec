package io.onceflow.chaos.campaign;

import static java.util.Objects.requireNonNull;

import io.onceflow.chaos.ledger.LedgerVariant;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.GroupProtocol;

/**
 * How big and how violent a campaign is.
 *
 * @param name shown in the table; also the campaign's directory
 * @param payments payments produced
 * @param accounts accounts they are spread over (uniformly at random)
 * @param partitions partitions of the input topic (and of the Kafka entries topic)
 * @param variants the ledger jobs run side by side on the same input, each in a consumer group of its own
 * @param instances processors per job, all in the job's consumer group
 * @param armedRounds how many times each of a job's {@link LedgerVariant#points()} crashes one of its processors
 * @param randomKills SIGKILLs per job at random moments
 * @param zombies per job, processors frozen (SIGSTOP) for longer than their session timeout, then thawed
 * @param brokerNodes Kafka nodes: 1, or 2 (every topic replicated on both, see {@code KafkaCluster})
 * @param brokerBounces times the broker (every node of it) is SIGKILLed and restarted
 * @param nodeBounces times node 2 of a two-node cluster is SIGKILLed and, some seconds later, restarted: the partition
 *     leaders and group and transaction coordinators it held move to node 1 while the pipelines commit, and back
 * @param connectionKills times every connection to the database is terminated
 * @param serverRestarts times the PostgreSQL server itself is restarted (where the tests own it: a local cluster or
 *     an embedded server; skipped, and said so, elsewhere)
 * @param shapes generated pipeline shapes run beside the ledger, by the processors of the job of their commit point
 *     (see {@link io.onceflow.chaos.shapes.ShapeGenerator}); every fault hits them too
 * @param shapeRecords input records of each shape
 * @param production how long the producer spreads the payments over; the faults happen within it
 * @param deadline the longest the campaign may take, from the first payment to caught up, before it fails
 * @param seed the seed of every random choice (accounts, amounts, fault times and targets)
 * @param groupProtocols the consumer group protocols the jobs take in turn, from a seeded start (see ProcessorFleet)
 */
public record CampaignProfile(
        String name,
        long payments,
        int accounts,
        int partitions,
        List<LedgerVariant> variants,
        int instances,
        int armedRounds,
        int randomKills,
        int zombies,
        int brokerNodes,
        int brokerBounces,
        int nodeBounces,
        int connectionKills,
        int serverRestarts,
        int shapes,
        int shapeRecords,
        Duration production,
        Duration deadline,
        long seed,
        List<GroupProtocol> groupProtocols) {

    /**
     * The system property that picks a profile for {@link #fromSystemProperties()}: {@code default} or {@code smoke}
     * ({@code long} is the rounds of {@code -Pchaos}, see {@link #longRound}).
     */
    public static final String PROFILE_PROPERTY = "onceflow.chaos.profile";

    /** The system property that fixes the seed; a random one otherwise, printed with the table. */
    public static final String SEED_PROPERTY = "onceflow.chaos.seed";

    public CampaignProfile {
        requireNonNull(name, "name");
        variants = List.copyOf(variants);
        requireNonNull(production, "production");
        requireNonNull(deadline, "deadline");
        groupProtocols = List.copyOf(groupProtocols);
        if (groupProtocols.isEmpty()) {
            throw new IllegalArgumentException("a campaign needs a group protocol");
        }
        if (shapes < 0 || shapeRecords < 0) {
            throw new IllegalArgumentException("shapes and shapeRecords must be >= 0");
        }
        if (brokerNodes < 1 || brokerNodes > 2 || (nodeBounces > 0 && brokerNodes < 2)) {
            throw new IllegalArgumentException(
                    "a campaign runs on 1 or 2 Kafka nodes, and bounces a node only on 2; was " + brokerNodes
                            + " nodes, " + nodeBounces + " node bounces");
        }
        if (payments < 1 || accounts < 1 || partitions < 1 || instances < 1 || variants.isEmpty()) {
            throw new IllegalArgumentException("a campaign needs payments, accounts, partitions, instances, variants");
        }
    }

    /**
     * The campaign of every {@code mvn verify}: 110,000 payments over two minutes through both correct jobs, two processors each, every
     * protocol point crashed once per job plus three random SIGKILLs per job (17 processor kills), one zombie per job,
     * two broker bounces, three connection kills, a PostgreSQL server restart; 20 generated shapes of 1,500 records
     * each beside the ledger; every job in classic consumer groups (the consumer protocol runs in the smoke and
     * long profiles: a CI run found a member of a consumer-protocol group left without partitions for minutes).
     */
    public static CampaignProfile standard(long seed) {
        return new CampaignProfile(
                "default",
                110_000,
                1_000,
                6,
                List.of(LedgerVariant.KAFKA, LedgerVariant.POSTGRES),
                2,
                1,
                3,
                1,
                1,
                2,
                0,
                3,
                1,
                20,
                1500,
                Duration.ofSeconds(120),
                Duration.ofMinutes(8),
                seed,
                List.of(GroupProtocol.CLASSIC));
    }

    /** Rounds of the long campaign ({@code -Pchaos}, {@link #longRound}) unless {@value #ROUNDS_PROPERTY} says. */
    public static final int LONG_ROUNDS = 21;

    /** The system property that sets how many rounds the long campaign runs. */
    public static final String ROUNDS_PROPERTY = "onceflow.chaos.rounds";

    /**
     * Round {@code round} of the long campaign ({@code -Pchaos}), each on a broker and a database of its own: 150,000
     * payments over five minutes; three processors per job in every third round, two in the others; every protocol
     * point crashed once per job, six random SIGKILLs per job, two zombies per job, 15 connection kills, three
     * PostgreSQL server restarts, four seconds apart at least, and by round:
     *
     * <ul>
     *   <li>even rounds: two Kafka nodes (replication factor 2), node 2 alone bounced five times (a whole two-node
     *       cluster, killed, took 100 s and more to come back under the campaign's load, or did not within 90 s);
     *   <li>rounds 1, 5, 9, ...: one node, bounced three times;
     *   <li>rounds 3, 7, 11, ...: one node, never killed, and the consumer group protocol of KIP-848 for one of the
     *       jobs (eight random SIGKILLs per job instead of six).
     * </ul>
     *
     * <p>Why the consumer protocol only where no broker dies: Kafka's group coordinator (4.1.2, and 4.4.0 still has the
     * check) could not replay {@code __consumer_offsets} after a SIGKILL of the broker with consumer-protocol groups in
     * it ("Cannot set the epoch of ... because the partition is still owned at epoch ...", "Group ... is not a consumer
     * group", then "Partitions were left unassigned" at every heartbeat of one group): every group of that coordinator
     * partition, the classic ones beside them too, could find no coordinator from then on, and a round stalled there
     * (see tests/chaos/README.md); no round whose groups were all classic ever did. A Kafka bug, not Onceflow's, which
     * no client can work around: the jobs retried, and committed nothing, until the round was stopped.
     *
     * <p>20 generated shapes of 1,500 records, beside the ledger, run by the first two processors of each job (see
     * {@code ProcessorFleet}). A round takes 6 to 7 minutes on two cores; the {@value #LONG_ROUNDS} rounds of
     * {@code -Pchaos} hold 420 shapes and about 1,050 faults. The round's seed comes from the campaign's seed and the round, so one round reruns alone.
     *
     * <p>Why not denser: on two cores, a round with 200 faults one second apart (80 processor kills, 70 connection
     * kills, each restarting every PostgreSQL pipeline of every processor) kept the load average at 30 to 50, and the
     * broker, killed, could not start again within 90 s; so did one with 105. What this machine carries is about a
     * fault every five seconds, as in the default campaign.
     */
    public static CampaignProfile longRound(int round, long seed) {
        if (round < 1) {
            throw new IllegalArgumentException("round must be 1 or more, was " + round);
        }
        boolean twoNodes = round % 2 == 0;
        boolean brokerSurvives = round % 4 == 3;
        return new CampaignProfile(
                "long-" + round,
                150_000,
                1_000,
                6,
                List.of(LedgerVariant.KAFKA, LedgerVariant.POSTGRES),
                round % 3 == 0 ? 3 : 2,
                1,
                brokerSurvives ? 8 : 6,
                2,
                twoNodes ? 2 : 1,
                twoNodes || brokerSurvives ? 0 : 3,
                twoNodes ? 5 : 0,
                15,
                3,
                20,
                1500,
                Duration.ofMinutes(5),
                Duration.ofMinutes(20),
                roundSeed(seed, round),
                brokerSurvives
                        ? List.of(GroupProtocol.CLASSIC, GroupProtocol.CONSUMER)
                        : List.of(GroupProtocol.CLASSIC));
    }

    /** The seed of one round of a campaign: distinct per round, the same for the same campaign seed. */
    static long roundSeed(long seed, int round) {
        long mixed = seed + round * 0x9E3779B97F4A7C15L;
        mixed = (mixed ^ (mixed >>> 30)) * 0xBF58476D1CE4E5B9L;
        mixed = (mixed ^ (mixed >>> 27)) * 0x94D049BB133111EBL;
        return mixed ^ (mixed >>> 31);
    }

    /**
     * A quick look ({@code -Donceflow.chaos.profile=smoke}) while working on the campaign: 30,000 payments, both
     * correct jobs, two processors each, every point once, one of every other fault; 8 shapes of 600 records.
     */
    public static CampaignProfile smoke(long seed) {
        return new CampaignProfile(
                "smoke",
                30_000,
                300,
                6,
                List.of(LedgerVariant.KAFKA, LedgerVariant.POSTGRES),
                2,
                1,
                1,
                1,
                1,
                1,
                0,
                1,
                1,
                8,
                600,
                Duration.ofSeconds(90),
                Duration.ofMinutes(6),
                seed,
                List.of(GroupProtocol.CLASSIC, GroupProtocol.CONSUMER));
    }

    /**
     * A short campaign of the jobs broken on purpose, side by side on one input (one broker, one database): one
     * processor each, crashed twice at the point that breaks it.
     */
    public static CampaignProfile broken(long seed) {
        List<LedgerVariant> broken = Arrays.stream(LedgerVariant.values())
                .filter(LedgerVariant::broken)
                .toList();
        return new CampaignProfile(
                "broken",
                20_000,
                200,
                6,
                broken,
                1,
                2,
                0,
                0,
                1,
                0,
                0,
                0,
                0,
                0,
                0,
                Duration.ofSeconds(25),
                Duration.ofMinutes(4),
                seed,
                List.of(GroupProtocol.CLASSIC));
    }

    /** The profile {@value #PROFILE_PROPERTY} names ({@code default} when unset), with {@value #SEED_PROPERTY}. */
    public static CampaignProfile fromSystemProperties() {
        long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        String profile = System.getProperty(PROFILE_PROPERTY, "default");
        return switch (profile) {
            case "default" -> standard(seed);
            case "smoke" -> smoke(seed);
            case "long" ->
                throw new IllegalArgumentException(
                        "the long campaign runs in rounds, each on a broker of its own: mvn -B -pl tests/chaos verify"
                                + " -Pchaos (LongCampaignIT)");
            default ->
                throw new IllegalArgumentException(
                        PROFILE_PROPERTY + " must be default or smoke, was '" + profile + "'");
        };
    }

    /** Processor kills this profile plans: armed crashes and random SIGKILLs, over all jobs. */
    public int plannedKills() {
        int kills = 0;
        for (LedgerVariant variant : variants) {
            kills += armedRounds * variant.points().size() + randomKills;
        }
        return kills;
    }
}
