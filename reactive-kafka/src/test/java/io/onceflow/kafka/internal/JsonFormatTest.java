package io.onceflow.kafka.internal;

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
