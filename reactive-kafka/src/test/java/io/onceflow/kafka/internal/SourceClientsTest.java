package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.kafka.KafkaSourceOptions;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.junit.jupiter.api.Test;

class SourceClientsTest {

    private static KafkaSourceOptions.Builder<byte[]> options() {
        return KafkaSourceOptions.builder().bootstrapServers("127.0.0.1:9").topic("payments");
    }

    /** A restarted instance takes its dead predecessor's place in the group at once: the id is the instance's. */
    @Test
    void underTheClassicProtocolTheConsumerIsAStaticMemberNamedAfterItsPipelineInstanceAndSource() {
        assertThat(SourceClients.consumer(options().build(), "ledger", "ledger", "2"))
                .containsEntry("group.instance.id", "ledger-2-kafka");
        assertThat(SourceClients.consumer(options().name("payments in").build(), "g", "ledger", "2"))
                .containsEntry("group.instance.id", "ledger-2-payments_in");
    }

    @Test
    void aGroupInstanceIdOfTheUsersOwnWinsAndStaticMembershipCanBeTurnedOff() {
        assertThat(SourceClients.consumer(
                        options().consumerProperty("group.instance.id", "mine").build(), "g", "ledger", "2"))
                .containsEntry("group.instance.id", "mine");
        assertThat(SourceClients.consumer(options().staticMembership(false).build(), "g", "ledger", "2"))
                .doesNotContainKey("group.instance.id");
    }

    /** Under KIP-848 a restarted static member is refused until the dead one's session expires: no id is made. */
    @Test
    void underTheConsumerProtocolNoInstanceIdIsMade() {
        assertThat(SourceClients.consumer(
                        options().groupProtocol(GroupProtocol.CONSUMER).build(), "g", "ledger", "2"))
                .doesNotContainKey("group.instance.id");
    }

    /** A static member leaves on close unless asked to stay; a dynamic one is never asked (the options refuse it). */
    @Test
    void theConsumerLeavesItsGroupOnCloseUnlessAStaticMemberIsAskedToStay() {
        KafkaSourceOptions<byte[]> leaving = options().build();
        assertThat(SourceClients.leavesGroupOnClose(leaving, SourceClients.consumer(leaving, "g", "ledger", "2")))
                .isTrue();
        KafkaSourceOptions<byte[]> staying = options().leaveGroupOnClose(false).build();
        assertThat(SourceClients.leavesGroupOnClose(staying, SourceClients.consumer(staying, "g", "ledger", "2")))
                .isFalse();
        KafkaSourceOptions<byte[]> ownId = options()
                .staticMembership(false)
                .consumerProperty("group.instance.id", "mine")
                .leaveGroupOnClose(false)
                .build();
        assertThat(SourceClients.leavesGroupOnClose(ownId, SourceClients.consumer(ownId, "g", "ledger", "2")))
                .isFalse();
    }

    @Test
    void anInstanceIdIsWithinKafkasLimit() {
        String id = SourceClients.groupInstanceId("p".repeat(100), "i".repeat(100), "s".repeat(100));
        assertThat(id).hasSize(249).startsWith("p".repeat(100) + "-" + "i".repeat(100) + "-");
    }
}
