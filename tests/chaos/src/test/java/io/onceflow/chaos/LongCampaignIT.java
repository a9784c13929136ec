package io.onceflow.chaos;

import io.onceflow.chaos.campaign.CampaignProfile;
import io.onceflow.chaos.campaign.CampaignResult;
import io.onceflow.chaos.campaign.CampaignTable;
import io.onceflow.chaos.campaign.ExactlyOnceCampaign;
import io.onceflow.chaos.campaign.RoundsTable;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.KafkaCluster;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The long campaign ({@code mvn -B -pl tests/chaos verify -Pchaos}): rounds of {@link CampaignProfile#longRound}
 * ({@value CampaignProfile#LONG_ROUNDS} unless {@code -Donceflow.chaos.rounds=<n>} says), each on a fresh broker and a
 * fresh database, two or three processors per job, every even round on a two-node Kafka cluster ({@link KafkaCluster},
 * replication factor 2) whose second node is also bounced alone; its rounds hold 420 generated shapes and about
 * 1,050 faults. Every round is judged as the default campaign is; after every round the rounds' table
 * ({@link RoundsTable}) is written to {@code target/chaos/long/rounds.txt}, and printed after the last one.
 *
 * <p>{@code -Donceflow.chaos.seed=<n>} reruns a campaign; {@code -Donceflow.chaos.round=<r>} only its round r;
 * {@code -Donceflow.chaos.firstRound=<r>} starts at round r, to go on with a campaign stopped after round r - 1.
 */
@WithPostgres(lifetime = WithPostgres.Lifetime.PER_METHOD)
class LongCampaignIT {

    private static final long SEED = Long.getLong(CampaignProfile.SEED_PROPERTY, System.nanoTime());
    private static final List<CampaignResult> ROUNDS = new ArrayList<>();

    static IntStream rounds() {
        Integer only = Integer.getInteger("onceflow.chaos.round");
        int first = Integer.getInteger("onceflow.chaos.firstRound", 1);
        return only != null
                ? IntStream.of(only)
                : IntStream.rangeClosed(
                        first,
                        first - 1 + Integer.getInteger(CampaignProfile.ROUNDS_PROPERTY, CampaignProfile.LONG_ROUNDS));
    }

    @ParameterizedTest(name = "round {0}")
    @MethodSource("rounds")
    void everyRoundIsExactlyOnce(int round, PostgresDatabase database) throws Exception {
        CampaignProfile profile = CampaignProfile.longRound(round, SEED);
        System.out.println("long campaign seed " + SEED + ", round " + round + " (round seed " + profile.seed() + ", "
                + profile.brokerNodes() + " Kafka node(s))");
        Path directory = directory().resolve(profile.name());

        CampaignResult result;
        try (KafkaBroker broker = profile.brokerNodes() == 1
                ? KafkaBroker.start(BrokerMode.CHILD_PROCESS)
                : KafkaCluster.start(profile.brokerNodes())) {
            result = new ExactlyOnceCampaign(profile, broker, database, directory).run();
        }

        synchronized (ROUNDS) {
            ROUNDS.add(result);
        }
        System.out.println(CampaignTable.render(result));
        writeRounds(); // after every round, so that a run stopped early still leaves the table of its rounds
        CampaignAssertions.assertExactlyOnce(result);
    }

    @AfterAll
    static void printRounds() throws IOException {
        System.out.println(writeRounds());
    }

    private static String writeRounds() throws IOException {
        String table;
        synchronized (ROUNDS) {
            table = RoundsTable.render(SEED, ROUNDS);
        }
        Files.createDirectories(directory());
        Files.writeString(directory().resolve("rounds.txt"), table, StandardCharsets.UTF_8);
        return table;
    }

    private static Path directory() {
        return Path.of(System.getProperty("java.io.tmpdir"), "chaos", "long");
    }
}
