package io.onceflow.demo;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A payment that breaks the ledger's rules. Thrown inside the pipeline, it turns the record into a dead letter (with
 * this message in its headers); the REST API answers 400 before anything is sent.
 *
 * @since 0.1
 */
public final class InvalidPaymentException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<Violation> violations;

    public InvalidPaymentException(List<Violation> violations) {
        super("invalid payment: " + violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    /** Every broken rule, in field order. */
    public List<Violation> violations() {
        return violations;
    }
}
