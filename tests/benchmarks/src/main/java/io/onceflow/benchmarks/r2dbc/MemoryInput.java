package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.r2dbc.Ledger.Payment;
import io.onceflow.core.Source;
import io.onceflow.core.SourceContext;
import io.onceflow.core.StreamElement;
import io.onceflow.core.testkit.TestSource;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Pre-generated payments served from memory: to Onceflow through the test kit's {@link TestSource}. */
final class MemoryInput implements LedgerInput {

    static final String SOURCE = "payments";

    /** Like reactor-kafka's receiver thread. */
    private static final Scheduler RECEIVER = Schedulers.newSingle("memory-receiver", true);

    private final Payment[][] payments;
    private final long records;

    MemoryInput(Payment[][] payments) {
        this.payments = payments;
        long total = 0;
        for (Payment[] partition : payments) {
            total += partition.length;
        }
        this.records = total;
    }

    @Override
    public String describe() {
        return "in memory (" + records + " records, " + payments.length + " partitions)";
    }

    @Override
    public int partitions() {
        return payments.length;
    }

    @Override
    public long records() {
        return records;
    }

    /**
     * The records through the test kit's {@link TestSource}, emitted on a thread of their own as a Kafka consumer's
     * are: the test kit emits on the thread that requests, which would otherwise be the database driver's.
     */
    @Override
    public Source<Payment> source() {
        TestSource<Payment> source = TestSource.create(SOURCE, payments.length);
        for (int p = 0; p < payments.length; p++) {
            source.emitTo(p, payments[p]);
        }
        source.complete();
        return new Source<>() {
            @Override
            public String name() {
                return source.name();
            }

            @Override
            public Flux<StreamElement<Payment>> open(SourceContext context) {
                return source.open(context).publishOn(RECEIVER, 512);
            }
        };
    }

    @Override
    public void read(RecordConsumer consumer) throws Exception {
        int[] next = new int[payments.length];
        long left = records;
        while (left > 0) {
            for (int p = 0; p < payments.length; p++) {
                if (next[p] < payments[p].length) {
                    consumer.accept(p, next[p], payments[p][next[p]]);
                    next[p]++;
                    left--;
                }
            }
        }
    }
}
