package io.onceflow.kafka.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class JsonFormatTest {

    record Payment(long id, String account, long amountCents) {}

    /** Made by a constructor that records whether the core's spread creator handle called it. */
    private record Hidden(String value) {
        static volatile boolean spread;

        Hidden {
            spread = StackWalker.getInstance()
                    .walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                            .anyMatch(name -> name.endsWith("SpreadCreatorsModule$SpreadInstantiator")));
        }
    }

    /**
     * {@code Json.of}'s default mapper makes records through the core's spread creators, a private record of another
     * package than the core's too; a user's own mapper is used as built.
     */
    @Test
    void theDefaultMapperMakesRecordsThroughASpreadHandle() {
        // each value is compared after the flag is read: making the expected value sets the flag again
        Hidden ours = Json.of(Hidden.class).decode("{\"value\":\"h\"}".getBytes(UTF_8));
        assertThat(Hidden.spread).isTrue();
        Hidden users =
                Json.of(Hidden.class, JsonFormat.strictSettings().build()).decode("{\"value\":\"h\"}".getBytes(UTF_8));
        assertThat(Hidden.spread).isFalse();
        assertThat(ours).isEqualTo(users).isEqualTo(new Hidden("h"));
    }

    /**
     * The default mapper recycles its buffers per thread: values encoded and decoded on many threads at once must
     * come out exactly as they went in, on every thread.
     */
    @Test
    void encodesAndDecodesTheSameOnManyThreadsAtOnce() throws Exception {
        Format<Payment> typed = Json.of(Payment.class);
        Format<Object> any = Json.any();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(threads.submit(() -> {
                    int checked = 0;
                    for (int i = 0; i < 2_000; i++) {
                        Payment payment = new Payment(
                                i, "acct-" + thread + "-" + "x".repeat(i % 300), (long) thread * 1_000_000 + i);
                        assertThat(typed.decode(typed.encode(payment))).isEqualTo(payment);
                        assertThat(typed.decode(any.encode(payment))).isEqualTo(payment);
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get()).isEqualTo(2_000);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
