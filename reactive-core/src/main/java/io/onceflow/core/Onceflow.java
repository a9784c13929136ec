package io.onceflow.core;

/**
 * Where a pipeline starts.
 *
 * <pre>{@code
 * Pipeline ledger = Onceflow.pipeline("ledger")
 *         .checkpointEvery(Duration.ofSeconds(1))
 *         .from(payments)
 *         .filter(p -> p.amountCents() > 0)
 *         .keyed(Payment::account, Balance::empty, Balance::apply)
 *         .to(balances);
 * }</pre>
 *
 * @since 0.1
 */
public final class Onceflow {

    private Onceflow() {}

    /**
     * A pipeline builder with the default settings.
     *
     * @param name the pipeline's name: letters, digits, {@code . _ -}; it names rows, transactional ids and meters
     */
    public static PipelineBuilder pipeline(String name) {
        PipelineOptions.defaults(name); // checks the name now, where the caller wrote it
        return new PipelineBuilder(new PipelineOptions.Builder(name));
    }
}
