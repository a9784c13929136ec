package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A row an idempotent sink cannot write becomes a dead letter of the commit point, in the checkpoint being flushed,
 * exactly once: the idempotent sink hands it over through its context, and the commit point commits it with that
 * checkpoint. Before, an idempotent sink without a dead-letter destination of its own stopped the pipeline for good.
 */
class DeadLetterRelayTest {

    /** An idempotent "table" that refuses values containing 'x', handing them to the commit point. */
    static final class Refusing implements IdempotentSink<String> {
        final Map<String, String> table = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "refusing";
        }

        @Override
        public Mono<SinkWriter<String>> open(SinkContext context) {
            return Mono.just(new SinkWriter<>() {
                private List<Data<String>> buffer = new ArrayList<>();

                @Override
                public synchronized void write(Data<String> record) {
                    buffer.add(record);
                }

                @Override
                public synchronized Mono<Void> checkpoint(Marker<?> marker) {
                    List<Data<String>> rows = buffer;
                    buffer = new ArrayList<>();
                    return Mono.fromRunnable(() -> {
                        for (Data<String> row : rows) {
                            if (row.value().contains("x")) {
                                context.deadLetter(
                                        marker.checkpointId(),
                                        new DeadLetter<>(
                                                row.origin(),
                                                "sink:refusing",
                                                row.value(),
                                                new IllegalArgumentException("refused: " + row.value())));
                            } else {
                                table.put(row.value(), row.value());
                            }
                        }
                    });
                }

                @Override
                public int bufferedRecords() {
                    return 0;
                }

                @Override
                public int maxBufferedRecords() {
                    return 1_000;
                }

                @Override
                public Mono<Void> close() {
                    return Mono.empty();
                }
            });
        }
    }

    @Test
    void aRowAnIdempotentSinkRefusesIsCommittedAsADeadLetterWithItsCheckpointOnce() {
        TestSource<String> source = TestSource.create();
        source.emit("a", "bx", "c", "dx", "e", "f").complete();
        InMemoryCommitPoint<String> ledger =
                InMemoryCommitPoint.<String>create().withDeadLetters();
        ledger.failNext(ProtocolStep.BEFORE_COMMIT); // the first commit fails after the flush: a replay refuses again
        Refusing table = new Refusing();

        List<CheckpointEvent> events = Onceflow.pipeline("relay")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(2)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ZERO, Duration.ofMillis(1)))
                .from(source)
                .to(ledger, table)
                .run()
                .collectList()
                .block(Duration.ofSeconds(10));

        assertThat(events).filteredOn(CheckpointEvent::failed).hasSize(1);
        assertThat(ledger.committed()).containsExactly("a", "bx", "c", "dx", "e", "f");
        assertThat(ledger.deadLetters())
                .extracting(dead -> dead.origin().offset() + " " + dead.stage() + " " + dead.errorMessage())
                .containsExactly("1 sink:refusing refused: bx", "3 sink:refusing refused: dx");
        assertThat(table.table).containsOnlyKeys("a", "c", "e", "f");
    }
}
