package io.onceflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.chaos.campaign.CampaignProfile;
import io.onceflow.chaos.campaign.CampaignResult;
import io.onceflow.chaos.campaign.CampaignTable;
import io.onceflow.chaos.campaign.ExactlyOnceCampaign;
import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.verify.Verdict;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithKafka;
import io.onceflow.testinfra.WithPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The campaign can fail: two jobs broken on purpose, each crashed at the point that breaks it, and the verifier must
 * find what went wrong. A campaign that passed these would prove nothing when it passes the correct jobs.
 */
@WithKafka(mode = BrokerMode.CHILD_PROCESS, lifetime = WithKafka.Lifetime.PER_METHOD)
@WithPostgres
class BrokenVariantsIT {

    @Test
    void offsetsCommittedBeforeTheOutputAreCaughtAsLosses(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        CampaignResult result = campaign(LedgerVariant.BROKEN_OFFSETS_FIRST, broker, database);

        Verdict verdict = result.verdicts().get(0);
        assertThat(verdict.losses()).as("payments lost").isPositive();
        assertThat(verdict.sequenceBreaks()).as("entries out of their place").isPositive();
        assertThat(verdict.exact()).isFalse();
        assertThat(result.exactlyOnce()).isFalse();
    }

    @Test
    void aParticipantThatIsNotIdempotentIsCaughtCountingReplaysTwice(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        CampaignResult result = campaign(LedgerVariant.BROKEN_NOT_IDEMPOTENT, broker, database);

        Verdict verdict = result.verdicts().get(0);
        assertThat(verdict.duplicates()).as("payments counted twice").isPositive();
        assertThat(verdict.wrongBalances()).as("wrong balances rows").isPositive();
        assertThat(verdict.exact()).isFalse();
        assertThat(result.exactlyOnce()).isFalse();
    }

    private static CampaignResult campaign(LedgerVariant variant, KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        CampaignProfile profile = CampaignProfile.broken(variant, Long.getLong(CampaignProfile.SEED_PROPERTY, 5));
        Path directory = Path.of(System.getProperty("java.io.tmpdir"), "chaos", profile.name());
        CampaignResult result = new ExactlyOnceCampaign(profile, broker, database, directory).run();
        System.out.println(CampaignTable.render(result));
        assertThat(result.inputAnomalies()).as("the input itself").isEmpty();
        assertThat(result.shortfalls()).as("the crashes that break it happened").isEmpty();
        return result;
    }
}
