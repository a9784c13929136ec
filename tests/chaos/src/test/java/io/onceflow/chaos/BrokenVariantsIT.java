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
 * The campaign can fail: two jobs broken on purpose, side by side in one campaign, each crashed at the point that
 * breaks it, and the verifier must find what went wrong with each. A campaign that passed these would prove nothing
 * when it passes the correct jobs.
 */
@WithKafka(mode = BrokerMode.CHILD_PROCESS)
@WithPostgres
class BrokenVariantsIT {

    /** The one campaign both tests judge, run by whichever asks first. */
    private static CampaignResult campaign;

    @Test
    void offsetsCommittedBeforeTheOutputAreCaughtAsLosses(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        Verdict verdict = verdict(LedgerVariant.BROKEN_OFFSETS_FIRST, broker, database);

        assertThat(verdict.losses()).as("payments lost").isPositive();
        assertThat(verdict.sequenceBreaks()).as("entries out of their place").isPositive();
        assertThat(verdict.exact()).isFalse();
    }

    @Test
    void aParticipantThatIsNotIdempotentIsCaughtCountingReplaysTwice(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        Verdict verdict = verdict(LedgerVariant.BROKEN_NOT_IDEMPOTENT, broker, database);

        assertThat(verdict.duplicates()).as("payments counted twice").isPositive();
        assertThat(verdict.wrongBalances()).as("wrong balances rows").isPositive();
        assertThat(verdict.exact()).isFalse();
    }

    private static synchronized Verdict verdict(LedgerVariant variant, KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        if (campaign == null) {
            CampaignProfile profile = CampaignProfile.broken(Long.getLong(CampaignProfile.SEED_PROPERTY, 5));
            Path directory = Path.of(System.getProperty("java.io.tmpdir"), "chaos", profile.name());
            campaign = new ExactlyOnceCampaign(profile, broker, database, directory).run();
            System.out.println(CampaignTable.render(campaign));
        }
        assertThat(campaign.inputAnomalies()).as("the input itself").isEmpty();
        assertThat(campaign.shortfalls())
                .as("the crashes that break it happened")
                .isEmpty();
        assertThat(campaign.exactlyOnce()).isFalse();
        return campaign.verdicts().stream()
                .filter(verdict -> verdict.variant() == variant)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no verdict on " + variant));
    }
}
