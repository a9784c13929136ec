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

    /** Records whether it was made through the spread creator's handle. */
    public record Traced(String value) {
        static volatile boolean spread;

        public Traced {
            spread = StackWalker.getInstance()
                    .walk(frames -> frames.anyMatch(
                            frame -> frame.getClassName().endsWith("SpreadCreatorsModule$SpreadInstantiator")));
        }
    }

    /** The same, private: a lookup from the core's package reaches it only through a private lookup. */
    private record Hidden(String value) {
        static volatile boolean spread;

        Hidden {
            spread = StackWalker.getInstance()
                    .walk(frames -> frames.anyMatch(
                            frame -> frame.getClassName().endsWith("SpreadCreatorsModule$SpreadInstantiator")));
        }
    }

    /**
     * {@code Json.of}'s default mapper makes records through the core's spread creators, from another package than
     * the core's and whether the record is public or not; a user's own mapper is used as built.
     */
    @Test
    void theDefaultMapperMakesRecordsThroughASpreadHandle() {
        // each value is compared after the flag is read: making the expected value sets the flag again
        Traced ours = Json.of(Traced.class).decode("{\"value\":\"v\"}".getBytes(UTF_8));
        assertThat(Traced.spread).isTrue();
        Traced users =
                Json.of(Traced.class, JsonFormat.strictSettings().build()).decode("{\"value\":\"v\"}".getBytes(UTF_8));
        assertThat(Traced.spread).isFalse();
        assertThat(ours).isEqualTo(users).isEqualTo(new Traced("v"));
        Hidden hidden = Json.of(Hidden.class).decode("{\"value\":\"h\"}".getBytes(UTF_8));
        assertThat(Hidden.spread).isTrue();
        assertThat(hidden).isEqualTo(new Hidden("h"));
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
