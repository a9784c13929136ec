package io.onceflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.chaos.campaign.CampaignResult;

/** What a campaign must show to pass: every fault it planned carried out, and every output exact. */
final class CampaignAssertions {

    private CampaignAssertions() {}

    static void assertExactlyOnce(CampaignResult result) {
        assertThat(result.inputAnomalies()).as("the input itself").isEmpty();
        assertThat(result.shortfalls()).as("faults planned but not carried out").isEmpty();
        assertThat(result.processorKills())
                .as("processor kills")
                .isGreaterThanOrEqualTo(result.profile().plannedKills());
        assertThat(result.verdicts())
                .as("verdicts")
                .allSatisfy(
                        verdict -> assertThat(verdict.exact()).as("%s", verdict).isTrue());
        assertThat(result.shapeVerdicts())
                .as("generated shapes")
                .hasSize(result.profile().shapes());
        assertThat(result.shapeVerdicts())
                .as("shape verdicts")
                .allSatisfy(
                        verdict -> assertThat(verdict.exact()).as("%s", verdict).isTrue());
        assertThat(result.openTransactions().details()).as("open transactions").isEmpty();
        assertThat(result.exactlyOnce()).isTrue();
    }
}
