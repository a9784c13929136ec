package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.kafka.KafkaSourceOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
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

    /**
     * Under KIP-848 a crashed static member's successor is refused until the dead one's session expires: an id is made
     * only for a source that stays in its group on close, for rolling restarts.
     */
    @Test
    void underTheConsumerProtocolAnInstanceIdIsMadeOnlyForASourceThatStaysInItsGroup() {
        assertThat(SourceClients.consumer(
                        options().groupProtocol(GroupProtocol.CONSUMER).build(), "g", "ledger", "2"))
                .doesNotContainKey("group.instance.id");
        assertThat(SourceClients.consumer(
                        options()
                                .groupProtocol(GroupProtocol.CONSUMER)
                                .leaveGroupOnClose(false)
                                .build(),
                        "g",
                        "ledger",
                        "2"))
                .containsEntry("group.instance.id", "ledger-2-kafka");
    }

    /**
     * A consumer leaves its group on close unless a static member is asked to stay (the options refuse to ask a dynamic
     * one): a classic member then sends nothing, a consumer-protocol one its temporary leave, which releases its id.
     */
    @Test
    void theConsumerLeavesItsGroupOnCloseUnlessAStaticMemberIsAskedToStay() {
        assertThat(onClose(options().build())).isEqualTo(GroupMembershipOperation.LEAVE_GROUP);
        assertThat(onClose(options().leaveGroupOnClose(false).build()))
                .isEqualTo(GroupMembershipOperation.REMAIN_IN_GROUP);
        assertThat(onClose(options()
                        .staticMembership(false)
                        .consumerProperty("group.instance.id", "mine")
                        .leaveGroupOnClose(false)
                        .build()))
                .isEqualTo(GroupMembershipOperation.REMAIN_IN_GROUP);
        assertThat(onClose(options().groupProtocol(GroupProtocol.CONSUMER).build()))
                .isEqualTo(GroupMembershipOperation.LEAVE_GROUP);
        assertThat(onClose(options()
                        .groupProtocol(GroupProtocol.CONSUMER)
                        .leaveGroupOnClose(false)
                        .build()))
                .isEqualTo(GroupMembershipOperation.DEFAULT);
    }

    private static GroupMembershipOperation onClose(KafkaSourceOptions<byte[]> options) {
        return SourceClients.onClose(options, SourceClients.consumer(options, "g", "ledger", "2"));
    }

    @Test
    void anInstanceIdIsWithinKafkasLimit() {
        String id = SourceClients.groupInstanceId("p".repeat(100), "i".repeat(100), "s".repeat(100));
        assertThat(id).hasSize(249).startsWith("p".repeat(100) + "-" + "i".repeat(100) + "-");
    }
}
