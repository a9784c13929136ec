package io.onceflow.kafka.internal;

import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Waits for a consumer group's committed offsets to be stable: asked with {@code requireStable}, the broker answers a
 * partition whose offsets a transaction in flight may still change "unstable" (the previous owner's transaction, until
 * it commits, aborts or times out), and the admin client leaves it out of the result without retrying. An absent
 * partition must never be taken for one without a committed offset (which the result holds as {@code null}): the new
 * owner would start it over and apply its committed prefix twice. So the question is asked again, with a backoff of
 * 20 ms doubling to 500 ms, until every partition is answered; past the claim timeout the wait fails with a retryable
 * error that names the partitions still unstable.
 *
 * <p>Each question blocks its thread for at most the time left (the admin client's future); questions and the
 * backoff's timer run on the given scheduler, the writer's recovery thread, so that no other thread waits.
 */
final class StableOffsets {

    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");
    static final Duration FIRST_BACKOFF = Duration.ofMillis(20);
    static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    /** One question: the committed offsets of the partitions the broker answered, within {@code timeoutMillis}. */
    @FunctionalInterface
    interface Question {
        Map<TopicPartition, OffsetAndMetadata> ask(long timeoutMillis) throws Exception;
    }

    /** The partitions a question left unanswered: unstable, to be asked again. */
    private static final class Unstable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Set<TopicPartition> partitions;

        Unstable(Set<TopicPartition> partitions) {
            super("unstable: " + partitions, null, false, false);
            this.partitions = partitions;
        }
    }

    private StableOffsets() {}

    /**
     * The committed offsets of {@code partitions} once every one is stable.
     *
     * @param pipeline the pipeline, for messages
     * @param group the consumer group, for messages
     * @param claimTimeout how long the wait may take
     * @param scheduler where questions and the backoff's timer run
     */
    static Mono<Map<TopicPartition, OffsetAndMetadata>> await(
            Question question,
            Set<TopicPartition> partitions,
            String pipeline,
            String group,
            Duration claimTimeout,
            Scheduler scheduler) {
        return Mono.defer(() -> {
            long deadline = scheduler.now(TimeUnit.MILLISECONDS) + claimTimeout.toMillis();
            AtomicReference<Unstable> last = new AtomicReference<>();
            return Mono.fromCallable(() -> {
                        long left = deadline - scheduler.now(TimeUnit.MILLISECONDS);
                        Unstable before = last.get();
                        if (left <= 0 && before != null) {
                            throw before; // a backoff that ends past the deadline asks nothing more
                        }
                        Map<TopicPartition, OffsetAndMetadata> committed = question.ask(Math.max(1, left));
                        Set<TopicPartition> unanswered = new HashSet<>(partitions);
                        unanswered.removeAll(committed.keySet());
                        if (!unanswered.isEmpty()) {
                            Unstable unstable = new Unstable(unanswered);
                            last.set(unstable);
                            throw unstable;
                        }
                        return committed;
                    })
                    .subscribeOn(scheduler)
                    .retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_BACKOFF)
                            .maxBackoff(MAX_BACKOFF)
                            .jitter(0)
                            .scheduler(scheduler)
                            .filter(error ->
                                    error instanceof Unstable && scheduler.now(TimeUnit.MILLISECONDS) < deadline)
                            .doBeforeRetry(retry -> CHECKPOINT.debug(
                                    "pipeline={} offsets of {} unstable: a transaction is in flight; asking again",
                                    pipeline,
                                    ((Unstable) retry.failure()).partitions)))
                    .onErrorMap(
                            Unstable.class,
                            unstable -> new TransientFailureException(
                                    "pipeline '" + pipeline + "': the committed offsets of " + unstable.partitions
                                            + " in group '" + group + "' stayed unstable for " + claimTimeout + ": a"
                                            + " transaction of their previous owner is still open (it ends when that owner"
                                            + " commits or aborts, or at its transaction timeout)",
                                    null));
        });
    }
}
