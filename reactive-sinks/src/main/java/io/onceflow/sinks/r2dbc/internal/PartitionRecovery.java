package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Positions;
import io.onceflow.core.Recovery;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A PostgreSQL commit point's claim of partitions for its run: in one transaction, their epochs bumped (fencing their
 * previous owner), their committed positions, and their state (the state table's entries with the state log's
 * changes applied). The claims go to {@link PartitionClaims}, the log to {@link StateLog}.
 */
final class PartitionRecovery {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");

    private final StoreSettings settings;
    private final CommitStatements statements;
    private final String pipeline;
    private final String instanceId;
    private final PartitionClaims held;
    private final StateLog stateLog;

    PartitionRecovery(
            StoreSettings settings,
            CommitStatements statements,
            String pipeline,
            String instanceId,
            PartitionClaims held,
            StateLog stateLog) {
        this.settings = settings;
        this.statements = statements;
        this.pipeline = pipeline;
        this.instanceId = instanceId;
        this.held = held;
        this.stateLog = stateLog;
    }

    /** Claims {@code partitions} and reads what was committed for them. */
    Mono<Recovery> recover(Collection<SourcePartition> partitions) {
        List<SourcePartition> claimed = List.copyOf(partitions);
        if (claimed.isEmpty()) {
            return Mono.just(Recovery.empty());
        }
        return Transactions.run(
                        settings.connectionFactory(),
                        connection -> statements
                                .claimPartitions(connection, pipeline, instanceId, claimed)
                                .flatMap(claims -> statements
                                        .readState(connection, pipeline, claimed)
                                        .flatMap(base -> statements
                                                .readLog(connection, pipeline, claims)
                                                .map(log -> claimed(claimed, claims, base, log)))))
                .onErrorMap(failure -> PgErrors.translate(
                        "pipeline '" + pipeline + "': claiming " + claimed + " in '" + settings.name() + "'", failure));
    }

    /** Keeps the epochs this run claimed, and hands the committed positions and state back. */
    private Recovery claimed(
            List<SourcePartition> partitions,
            List<CommitStatements.PartitionClaim> claims,
            List<StateChange> base,
            List<CommitStatements.LogRow> log) {
        Map<SourcePartition, List<StateChange>> baseOf = new HashMap<>();
        for (StateChange entry : base) {
            baseOf.computeIfAbsent(entry.partition(), p -> new ArrayList<>()).add(entry);
        }
        Map<SourcePartition, List<byte[]>> logOf = new HashMap<>();
        for (CommitStatements.LogRow row : log) {
            logOf.computeIfAbsent(row.partition(), p -> new ArrayList<>()).add(row.entries());
        }
        Map<SourcePartition, Long> positions = new HashMap<>();
        List<StateChange> state = new ArrayList<>(base.size());
        for (CommitStatements.PartitionClaim claim : claims) {
            SourcePartition partition = claim.partition();
            held.claimed(partition, claim.epoch());
            if (claim.nextOffset() != null) {
                positions.put(partition, claim.nextOffset());
            }
            state.addAll(stateLog.restored(
                    partition,
                    claim.epoch(),
                    baseOf.getOrDefault(partition, List.of()),
                    logOf.getOrDefault(partition, List.of())));
        }
        COMMIT.info(
                "pipeline={} instance={} sink={} claimed {} at epochs {}, committed positions {}, {} state entries"
                        + " ({} state log rows applied)",
                pipeline,
                instanceId,
                settings.name(),
                partitions,
                claims.stream().map(CommitStatements.PartitionClaim::epoch).toList(),
                positions,
                state.size(),
                log.size());
        return new Recovery(Positions.of(positions), state);
    }
}
