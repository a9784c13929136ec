package io.onceflow.core;

import io.onceflow.core.testkit.TestSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * A {@link TestSource} seen from the pipeline's side: counts the demand the pipeline signals and the records it
 * is given, notes when (by the pipeline's scheduler) each run opens it, and can report bytes read per record to
 * {@link SourceContext#recordBytes}, as a Kafka source reports fetched bytes.
 */
final class InstrumentedSource<T> implements Source<T> {

    private final TestSource<T> delegate;
    private final long bytesPerRecord;
    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final List<Long> opensAtMillis = new CopyOnWriteArrayList<>();
    private volatile @Nullable SourceContext context;

    private InstrumentedSource(TestSource<T> delegate, long bytesPerRecord) {
        this.delegate = delegate;
        this.bytesPerRecord = bytesPerRecord;
    }

    static <T> InstrumentedSource<T> of(TestSource<T> delegate) {
        return new InstrumentedSource<>(delegate, 0);
    }

    /** Reports {@code bytes} read for each record, before handing the record on. */
    static <T> InstrumentedSource<T> withBytes(TestSource<T> delegate, long bytes) {
        return new InstrumentedSource<>(delegate, bytes);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Flux<StreamElement<T>> open(SourceContext runContext) {
        context = runContext;
        opensAtMillis.add(runContext.scheduler().now(TimeUnit.MILLISECONDS));
        return delegate.open(runContext)
                .doOnRequest(n -> requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b))
                .doOnNext(element -> {
                    delivered.incrementAndGet();
                    if (bytesPerRecord > 0) {
                        runContext.recordBytes(bytesPerRecord);
                    }
                });
    }

    /** Records requested by the pipeline over all runs. */
    long requested() {
        return requested.get();
    }

    /** Records handed to the pipeline over all runs. */
    long delivered() {
        return delivered.get();
    }

    /** When each run opened the source, in milliseconds of the pipeline's scheduler. */
    List<Long> opensAtMillis() {
        return List.copyOf(opensAtMillis);
    }

    /** The context of the last run that opened the source. */
    SourceContext context() {
        SourceContext current = context;
        if (current == null) {
            throw new IllegalStateException("not opened");
        }
        return current;
    }
}
