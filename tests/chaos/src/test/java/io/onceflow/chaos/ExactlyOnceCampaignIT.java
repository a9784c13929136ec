package io.onceflow.chaos;

import io.onceflow.chaos.campaign.CampaignProfile;
import io.onceflow.chaos.campaign.CampaignResult;
import io.onceflow.chaos.campaign.CampaignTable;
import io.onceflow.chaos.campaign.ExactlyOnceCampaign;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithKafka;
import io.onceflow.testinfra.WithPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once proof: both correct ledger jobs, side by side on one input, and the generated shapes beside them,
 * through every fault the campaign has, judged by the independent verifiers (the shapes' against their oracle). The profile comes from {@code -Donceflow.chaos.profile} ({@code default} in
 * {@code mvn verify}, {@code smoke} while working on the campaign); the long campaign is {@link LongCampaignIT}.
 */
@WithKafka(mode = BrokerMode.CHILD_PROCESS)
@WithPostgres
class ExactlyOnceCampaignIT {

    @Test
    void everyPaymentHasExactlyOneEffectWhateverIsKilled(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        CampaignProfile profile = CampaignProfile.fromSystemProperties();
        Path directory = Path.of(System.getProperty("java.io.tmpdir"), "chaos", profile.name());

        CampaignResult result = new ExactlyOnceCampaign(profile, broker, database, directory).run();

        System.out.println(CampaignTable.render(result));
        CampaignAssertions.assertExactlyOnce(result);
    }
}
