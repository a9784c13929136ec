package io.onceflow.demo;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The demo's problem details (RFC 9457): a title, a detail that names every field at fault, and an {@code errors}
 * list of {@code {field, message}} that a client can show next to its inputs.
 *
 * @since 0.1
 */
final class Problems {

    private Problems() {}

    /** 400 for a request with these broken rules. */
    static ProblemDetail invalid(String title, List<Violation> violations) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST,
                violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        problem.setTitle(title);
        problem.setType(URI.create("https://onceflow.io/problems/invalid-request"));
        problem.setProperty(
                "errors",
                violations.stream()
                        .map(v -> Map.of("field", v.field(), "message", v.message()))
                        .toList());
        return problem;
    }

    /** Any other status, with a title and a detail. */
    static ProblemDetail of(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return problem;
    }
}
