package io.onceflow.demo;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Says what to do about a busy port: stop what listens there, or choose another with {@code --server.port}.
 * Registered in {@code META-INF/spring.factories}.
 *
 * @since 0.1
 */
final class ServerPortInUseFailureAnalyzer extends AbstractFailureAnalyzer<ServerPortInUseException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ServerPortInUseException cause) {
        return new FailureAnalysis(
                "The dashboard's port " + cause.port() + " on " + cause.address()
                        + " is already in use (another demo still running?). Nothing was started.",
                "Stop what listens on port " + cause.port() + ", or start the demo on another port: add"
                        + " --server.port=8081 (or --server.port=0 for any free port) to the command line.",
                cause);
    }
}
