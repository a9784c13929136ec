package io.onceflow.kafka.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Kafka's cooperative sticky assignor, which also tells each member what it is to give up, so that a member that
 * replaced a dead predecessor can finish the handover the predecessor left unfinished. The source's consumers use it
 * under the classic protocol. Public only because Kafka instantiates assignors by class name; not an API.
 *
 * <p>Under cooperative rebalancing a member gives partitions up in two steps: the rebalance that moves them only
 * revokes them from it (nobody else is given them yet), and the member then rejoins, so that a follow-up rebalance
 * gives them to their new owner. A member that dies between the two never rejoins: it was SIGKILLed in its revocation
 * callback, or its run failed there and its consumer's {@code LeaveGroup} was lost. If it is a static member and
 * comes back within its session, the coordinator replaces it with its successor without a rebalance ("a static
 * member that joins a stable group does not trigger one") and gives the successor the assignment its predecessor
 * died in: without the partitions it was giving up, which no member was given either. Nobody owns them then, and
 * without a rebalance nobody ever would. The successor cannot tell such a replacement from an ordinary join, so this
 * assignor tells it: the leader adds to each member's assignment the partitions the member owned and is not given
 * again, and a member told to give up partitions it never owned is a successor that owes its predecessor's rejoin.
 * It asks for it through {@link Owed}, and its {@link SourceConsumer} rejoins after the poll. Every other join
 * rebalances no more than before: a static member that restarts with nothing left to hand over takes its partitions
 * back without a rebalance.
 *
 * <p>The assignor keeps Kafka's name ({@code cooperative-sticky}) and protocol, so members that use Kafka's own
 * (an older Onceflow, during an upgrade) agree with it; a leader of theirs adds nothing, and a member of ours then
 * owes nothing.
 */
public final class HandoverAssignor implements ConsumerPartitionAssignor, Configurable {

    /** The consumer property that carries the {@link Owed} a consumer's assignor reports to ({@link #reportingTo}). */
    static final String OWED_PROPERTY = "onceflow.handover.owed";

    /** Marks an assignment's user data as this assignor's: "OFHO". */
    private static final int MAGIC = 0x4F46484F;

    private final CooperativeStickyAssignor delegate = new CooperativeStickyAssignor();
    private Owed owed = new Owed();
    private Set<TopicPartition> assignedBefore = Set.of(); // the consumer's poll thread only

    /** Whether a consumer owes its group a rejoin: set by its assignor inside a poll, taken after it. */
    static final class Owed {
        private final AtomicBoolean rejoin = new AtomicBoolean();

        void rejoin() {
            rejoin.set(true);
        }

        /** Whether a rejoin is owed, and from now on not: each owed rejoin is taken once. */
        boolean take() {
            return rejoin.getAndSet(false);
        }
    }

    /** {@code properties} with what a consumer's assignor of this class reports an owed rejoin to. */
    static Map<String, Object> reportingTo(Owed owed, Map<String, Object> properties) {
        Map<String, Object> with = new HashMap<>(properties);
        with.put(OWED_PROPERTY, owed);
        return with;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(OWED_PROPERTY) instanceof Owed given) {
            owed = given;
        }
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public List<RebalanceProtocol> supportedProtocols() {
        return delegate.supportedProtocols();
    }

    @Override
    public short version() {
        return delegate.version();
    }

    @Override
    public @Nullable ByteBuffer subscriptionUserData(Set<String> topics) {
        return delegate.subscriptionUserData(topics);
    }

    /** Kafka's assignment, with what each member owned and is not given again. On the group's leader. */
    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription subscriptions) {
        GroupAssignment assigned = delegate.assign(metadata, subscriptions);
        Map<String, Assignment> told = new HashMap<>();
        assigned.groupAssignment().forEach((member, assignment) -> {
            Subscription subscription = subscriptions.groupSubscription().get(member);
            List<TopicPartition> givenUp = new ArrayList<>();
            if (subscription != null) {
                Set<TopicPartition> kept = new HashSet<>(assignment.partitions());
                for (TopicPartition owned : subscription.ownedPartitions()) {
                    if (!kept.contains(owned)) {
                        givenUp.add(owned);
                    }
                }
            }
            told.put(member, new Assignment(assignment.partitions(), encode(givenUp, assignment.userData())));
        });
        return new GroupAssignment(told);
    }

    /** On every member, after each rebalance (or replacement), inside the poll. */
    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
        Handover handover = decode(assignment.userData());
        delegate.onAssignment(new Assignment(assignment.partitions(), handover.delegateData()), metadata);
        if (!assignedBefore.containsAll(handover.givenUp())) {
            // told to give up what this consumer never had: its predecessor had it, and died before it rejoined
            owed.rejoin();
        }
        assignedBefore = Set.copyOf(assignment.partitions());
    }

    /** What a member is to give up, and what Kafka's assignor put in the assignment's user data. */
    record Handover(List<TopicPartition> givenUp, @Nullable ByteBuffer delegateData) {}

    /**
     * The user data of an assignment: the magic, the partitions given up (each its topic's UTF-8 length and bytes,
     * then its number), then Kafka's assignor's own user data, if it had any.
     */
    static ByteBuffer encode(List<TopicPartition> givenUp, @Nullable ByteBuffer delegateData) {
        List<byte[]> topics = new ArrayList<>(givenUp.size());
        int size = 4 + 4 + 1;
        for (TopicPartition partition : givenUp) {
            byte[] topic = partition.topic().getBytes(StandardCharsets.UTF_8);
            topics.add(topic);
            size += 2 + topic.length + 4;
        }
        ByteBuffer data = delegateData == null ? null : delegateData.duplicate();
        size += data == null ? 0 : data.remaining();
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(MAGIC).putInt(givenUp.size());
        for (int i = 0; i < givenUp.size(); i++) {
            out.putShort((short) topics.get(i).length)
                    .put(topics.get(i))
                    .putInt(givenUp.get(i).partition());
        }
        out.put((byte) (data == null ? 0 : 1));
        if (data != null) {
            out.put(data);
        }
        return out.flip();
    }

    /** Reads {@link #encode}'s user data; any other (another assignor's leader) gives nothing up. */
    static Handover decode(@Nullable ByteBuffer userData) {
        if (userData == null || userData.remaining() < 9 || userData.getInt(userData.position()) != MAGIC) {
            return new Handover(List.of(), userData);
        }
        try {
            ByteBuffer in = userData.duplicate();
            in.getInt();
            int count = in.getInt();
            List<TopicPartition> givenUp = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] topic = new byte[in.getShort()];
                in.get(topic);
                givenUp.add(new TopicPartition(new String(topic, StandardCharsets.UTF_8), in.getInt()));
            }
            boolean hasDelegateData = in.get() != 0;
            return new Handover(List.copyOf(givenUp), hasDelegateData ? in.slice() : null);
        } catch (BufferUnderflowException | NegativeArraySizeException notOurs) {
            return new Handover(List.of(), userData);
        }
    }
}
