package io.onceflow.core.internal.batch;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.StreamElement;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/** Streams that may carry {@link RecordBatch}es, and their per-record view. */
public final class Batches {

    /**
     * Batches a stage asks for at a time when it unbatches: few, because each holds up to a poll's records (so the
     * records waiting here stay near those of a per-record stream's default prefetch), and not one, so that the next
     * batch is on its way while one is read.
     */
    public static final int UNBATCH_PREFETCH = 4;

    private static volatile @Nullable Access access;

    private Batches() {}

    /**
     * What {@link CheckpointedFlux} lets this package do with it: make one over a stream that carries batches, and
     * read its stream as the pipeline runs it. {@code CheckpointedFlux} installs it when its class initializes; the
     * API has no public way to either, because batches are not elements users see.
     */
    public interface Access {
        <T> CheckpointedFlux<T> batched(Flux<?> elements);

        Flux<?> stream(CheckpointedFlux<?> flux);
    }

    /** Called once, by {@link CheckpointedFlux}'s static initializer. */
    public static void access(Access installed) {
        access = installed;
    }

    private static Access access() {
        Access installed = access;
        if (installed == null) {
            try {
                // initializing the class installs the access
                Class.forName(CheckpointedFlux.class.getName(), true, CheckpointedFlux.class.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new IllegalStateException(impossible);
            }
            installed = requireNonNull(access, "CheckpointedFlux installs its access when it initializes");
        }
        return installed;
    }

    /**
     * A {@link CheckpointedFlux} over a stream that may carry {@link RecordBatch}es, as a pipeline's source stage
     * emits it: for benchmarks and tests of the operators' batch forms.
     */
    public static <T> CheckpointedFlux<T> checkpointed(Flux<?> elements) {
        return access().batched(elements);
    }

    /** {@code flux}'s stream as a pipeline would run it: batches of records where its source made them. */
    public static Flux<?> stream(CheckpointedFlux<?> flux) {
        return access().stream(flux);
    }

    /**
     * The per-record elements of a stream that may carry batches: each batch becomes its records (a {@link
     * io.onceflow.core.Data} each, or the dead letter in its place), in order; every other element passes as it is.
     */
    @SuppressWarnings("unchecked")
    public static <T> Flux<StreamElement<T>> unbatched(Flux<?> elements) {
        return ((Flux<Object>) elements)
                .concatMapIterable(
                        element -> element instanceof RecordBatch<?> batch
                                ? batch.<T>elements()
                                : List.of((StreamElement<T>) element),
                        UNBATCH_PREFETCH);
    }
}
