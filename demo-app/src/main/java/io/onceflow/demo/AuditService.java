package io.onceflow.demo;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The audit now: the {@link LedgerAuditor}'s counts from Kafka, with the balances table's sums from PostgreSQL.
 *
 * @since 0.1
 */
final class AuditService {

    private static final Logger LOG = LoggerFactory.getLogger(AuditService.class);

    private final LedgerAuditor auditor;
    private final BalancesTable table;

    AuditService(LedgerAuditor auditor, BalancesTable table) {
        this.auditor = auditor;
        this.table = table;
    }

    /** The audit as of now; the table's sums count as unknown (never exact) when PostgreSQL does not answer. */
    Mono<Audit> audit() {
        return table.totals()
                .onErrorResume(e -> {
                    LOG.warn("audit: cannot read the balances table: {}", e.toString());
                    return Mono.just(new BalancesTable.Totals(Map.of(), -1));
                })
                .map(totals -> Audit.of(auditor.counts(), totals));
    }
}
