package io.onceflow.demo;

/**
 * The web server's port is taken; found before anything started. {@link ServerPortInUseFailureAnalyzer} prints it.
 *
 * @since 0.1
 */
final class ServerPortInUseException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String address;
    private final int port;

    ServerPortInUseException(String address, int port, Throwable cause) {
        super("port " + port + " on " + address + " is in use: " + cause.getMessage(), cause);
        this.address = address;
        this.port = port;
    }

    String address() {
        return address;
    }

    int port() {
        return port;
    }
}
