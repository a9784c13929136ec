package io.onceflow.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback port helpers. */
final class Net {
    static final String LOOPBACK = "127.0.0.1";

    private Net() {}

    /**
     * A port that was free a moment ago. Racy by nature, but the services we start bind it within milliseconds,
     * and a restart must reuse the very same port, which rules out letting the service pick port 0.
     */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + LOOPBACK, e);
        }
    }

    /** True when something accepts a TCP connection at host:port within the timeout; never blocks longer. */
    static boolean answers(String host, int port, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
