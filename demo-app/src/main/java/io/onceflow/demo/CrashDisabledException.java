package io.onceflow.demo;

/**
 * {@code POST /pipeline/crash} while {@code onceflow.demo.crash-enabled} is false: 403.
 *
 * @since 0.1
 */
final class CrashDisabledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CrashDisabledException() {
        super("crashing the pipeline is disabled: start the demo with --onceflow.demo.crash-enabled=true");
    }
}
