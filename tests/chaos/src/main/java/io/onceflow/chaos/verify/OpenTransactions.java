package io.onceflow.chaos.verify;

import java.util.List;

/**
 * Transactions left open by the jobs, looked for while their processors are still running and idle.
 *
 * @param kafkaPartitions output or changelog partitions whose last stable offset stays below their high watermark: a
 *     transaction that neither committed nor aborted
 * @param postgresSessions sessions of the test database idle in a transaction for more than a few seconds
 * @param details what was found
 */
public record OpenTransactions(long kafkaPartitions, long postgresSessions, List<String> details) {

    public OpenTransactions {
        details = List.copyOf(details);
    }

    /** None found. */
    public boolean none() {
        return kafkaPartitions == 0 && postgresSessions == 0;
    }

    public long total() {
        return kafkaPartitions + postgresSessions;
    }
}
