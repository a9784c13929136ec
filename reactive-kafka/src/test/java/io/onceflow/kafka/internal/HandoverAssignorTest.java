package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.kafka.internal.HandoverAssignor.Handover;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupAssignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class HandoverAssignorTest {

    private static final String TOPIC = "payments";
    private static final List<TopicPartition> ALL = List.of(p(0), p(1), p(2), p(3));

    @Test
    void theLeaderTellsAMemberThatKeepsHalfWhatItGivesUpAndANewMemberNothing() {
        GroupAssignment assigned = new HandoverAssignor()
                .assign(
                        cluster(),
                        new GroupSubscription(Map.of(
                                "a", subscription(ALL, 1),
                                "b", subscription(List.of(), -1))));

        Assignment a = assigned.groupAssignment().get("a");
        Assignment b = assigned.groupAssignment().get("b");
        // cooperative: what moves is only revoked in this rebalance, and given to b in the follow-up
        assertThat(a.partitions()).hasSize(2);
        assertThat(b.partitions()).isEmpty();
        List<TopicPartition> revoked = new ArrayList<>(ALL);
        revoked.removeAll(a.partitions());
        assertThat(HandoverAssignor.decode(a.userData()).givenUp()).containsExactlyInAnyOrderElementsOf(revoked);
        assertThat(HandoverAssignor.decode(b.userData()).givenUp()).isEmpty();
    }

    @Test
    void aMemberToldToGiveUpWhatItOwnedRejoinsOnItsOwnAndOwesNothing() {
        HandoverAssignor.Owed owed = new HandoverAssignor.Owed();
        HandoverAssignor member = member(owed);
        member.onAssignment(new Assignment(ALL, HandoverAssignor.encode(List.of(), null)), metadata(1));
        member.onAssignment(
                new Assignment(List.of(p(0), p(1)), HandoverAssignor.encode(List.of(p(2), p(3)), null)), metadata(2));

        assertThat(owed.take())
                .as("its own revocation makes the consumer rejoin")
                .isFalse();
    }

    @Test
    void aSuccessorToldToGiveUpWhatItNeverOwnedOwesItsPredecessorsRejoinOnce() {
        HandoverAssignor.Owed owed = new HandoverAssignor.Owed();
        HandoverAssignor successor = member(owed);
        // the assignment its predecessor died in, handed over by the coordinator without a rebalance
        successor.onAssignment(
                new Assignment(List.of(p(0), p(1)), HandoverAssignor.encode(List.of(p(2), p(3)), null)), metadata(2));

        assertThat(owed.take()).isTrue();
        assertThat(owed.take()).as("taken once").isFalse();

        successor.onAssignment(
                new Assignment(List.of(p(0), p(1)), HandoverAssignor.encode(List.of(), null)), metadata(3));
        assertThat(owed.take()).as("after the follow-up rebalance").isFalse();
    }

    @Test
    void anAssignmentFromALeaderWithKafkasOwnAssignorOwesNothing() {
        HandoverAssignor.Owed owed = new HandoverAssignor.Owed();
        member(owed).onAssignment(new Assignment(List.of(p(0), p(1))), metadata(2));

        assertThat(owed.take()).isFalse();
    }

    @Test
    void userDataRoundTripsAndForeignOrTruncatedDataGivesNothingUp() {
        ByteBuffer kafkas = ByteBuffer.wrap(new byte[] {1, 2, 3});
        Handover read =
                HandoverAssignor.decode(HandoverAssignor.encode(List.of(p(3), new TopicPartition("ä", 7)), kafkas));
        assertThat(read.givenUp()).containsExactly(p(3), new TopicPartition("ä", 7));
        assertThat(read.delegateData()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(HandoverAssignor.decode(HandoverAssignor.encode(List.of(), null))
                        .delegateData())
                .isNull();

        ByteBuffer foreign = ByteBuffer.wrap(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        assertThat(HandoverAssignor.decode(foreign)).isEqualTo(new Handover(List.of(), foreign));
        assertThat(HandoverAssignor.decode(null)).isEqualTo(new Handover(List.of(), null));
        ByteBuffer full = HandoverAssignor.encode(List.of(p(1), p(2)), null);
        ByteBuffer truncated =
                ByteBuffer.wrap(full.array(), 0, full.remaining() - 5).slice();
        assertThat(HandoverAssignor.decode(truncated).givenUp()).isEmpty();
    }

    @Test
    void itSpeaksAsKafkasCooperativeStickyAssignor() {
        HandoverAssignor assignor = new HandoverAssignor();
        assertThat(assignor.name()).isEqualTo("cooperative-sticky");
        assertThat(assignor.supportedProtocols()).isEqualTo(new CooperativeStickyAssignor().supportedProtocols());
    }

    private static HandoverAssignor member(HandoverAssignor.Owed owed) {
        HandoverAssignor assignor = new HandoverAssignor();
        assignor.configure(Map.of(HandoverAssignor.OWED_PROPERTY, owed, "client.id", "c"));
        return assignor;
    }

    private static Subscription subscription(List<TopicPartition> owned, int generation) {
        return new Subscription(List.of(TOPIC), null, owned, generation, Optional.empty());
    }

    private static ConsumerGroupMetadata metadata(int generation) {
        return new ConsumerGroupMetadata("g", generation, "m", Optional.of("g-a-kafka"));
    }

    private static Cluster cluster() {
        Node node = new Node(0, "localhost", 9092);
        List<PartitionInfo> partitions = new ArrayList<>();
        for (TopicPartition partition : ALL) {
            partitions.add(new PartitionInfo(TOPIC, partition.partition(), node, new Node[] {node}, new Node[] {node}));
        }
        return new Cluster("c", List.of(node), partitions, Set.of(), Set.of());
    }

    private static TopicPartition p(int partition) {
        return new TopicPartition(TOPIC, partition);
    }
}
