package io.onceflow.demo;

import java.util.List;

/**
 * A request parameter that breaks a rule (an account id in a path, for instance): 400, naming it.
 *
 * @since 0.1
 */
final class InvalidRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<Violation> violations;

    InvalidRequestException(Violation violation) {
        super(violation.toString());
        this.violations = List.of(violation);
    }

    List<Violation> violations() {
        return violations;
    }
}
