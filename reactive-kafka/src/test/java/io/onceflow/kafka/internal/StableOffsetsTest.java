package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The wait for stable offsets, on virtual time: an unanswered partition is asked again with a doubling backoff
 * (never taken for one without offsets), and past the claim timeout the wait fails retryably, naming it.
 */
class StableOffsetsTest {

    private static final TopicPartition P0 = new TopicPartition("payments", 0);
    private static final TopicPartition P1 = new TopicPartition("payments", 1);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<Long> askedAt = new ArrayList<>();

    /** Answers P0 at once (P1 has no offsets: null), and P1 only from the given attempt on. */
    private StableOffsets.Question p1StableFrom(int attempt) {
        AtomicInteger attempts = new AtomicInteger();
        return timeoutMillis -> {
            askedAt.add(time.now(java.util.concurrent.TimeUnit.MILLISECONDS));
            Map<TopicPartition, OffsetAndMetadata> answered = new HashMap<>();
            answered.put(P0, new OffsetAndMetadata(42));
            if (attempts.incrementAndGet() >= attempt) {
                answered.put(P1, null); // answered: no committed offset
            }
            return answered;
        };
    }

    @Test
    void anUnansweredPartitionIsAskedAgainWithADoublingBackoffUntilItIsStable() {
        StepVerifier.withVirtualTime(
                        () -> StableOffsets.await(
                                p1StableFrom(4), Set.of(P0, P1), "ledger", "ledger", Duration.ofSeconds(45), time),
                        () -> time,
                        1)
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(committed -> {
                    assertThat(committed).containsEntry(P0, new OffsetAndMetadata(42));
                    assertThat(committed).containsKey(P1);
                    assertThat(committed.get(P1)).isNull();
                })
                .verifyComplete();
        // asked at 0, then after 20, 40 and 80 ms of backoff
        assertThat(askedAt).containsExactly(0L, 20L, 60L, 140L);
    }

    @Test
    void theBackoffStopsDoublingAtHalfASecond() {
        StepVerifier.withVirtualTime(
                        () -> StableOffsets.await(
                                p1StableFrom(8), Set.of(P0, P1), "ledger", "ledger", Duration.ofSeconds(45), time),
                        () -> time,
                        1)
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(1)
                .verifyComplete();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < askedAt.size(); i++) {
            gaps.add(askedAt.get(i) - askedAt.get(i - 1));
        }
        assertThat(gaps).containsExactly(20L, 40L, 80L, 160L, 320L, 500L, 500L);
    }

    @Test
    void aPartitionUnstablePastTheClaimTimeoutFailsTheWaitRetryablyNamingIt() {
        StepVerifier.withVirtualTime(
                        () -> StableOffsets.await(
                                p1StableFrom(Integer.MAX_VALUE),
                                Set.of(P0, P1),
                                "ledger",
                                "ledger",
                                Duration.ofSeconds(10),
                                time),
                        () -> time,
                        1)
                .thenAwait(Duration.ofSeconds(11))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(TransientFailureException.class)
                        .hasMessageContaining("the committed offsets of [payments-1] in group 'ledger' stayed"
                                + " unstable for PT10S"))
                .verify();
        // never asked after the deadline
        assertThat(askedAt.get(askedAt.size() - 1)).isLessThan(10_000L);
    }

    @Test
    void aFailedQuestionIsNotRetriedHere() {
        StepVerifier.withVirtualTime(
                        () -> StableOffsets.await(
                                timeoutMillis -> {
                                    throw new java.util.concurrent.TimeoutException("no answer");
                                },
                                Set.of(P0),
                                "ledger",
                                "ledger",
                                Duration.ofSeconds(10),
                                time),
                        () -> time,
                        1)
                .expectError(java.util.concurrent.TimeoutException.class)
                .verify();
    }
}
