package io.onceflow.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Checks, before anything starts, that the web server's port is free: otherwise the demo would start an embedded
 * Kafka broker and an embedded PostgreSQL for 20 s, only to fail when the web server binds. A busy port stops the
 * application at once with {@link ServerPortInUseException}, which names {@code --server.port}.
 *
 * <p>Added by {@link LedgerApplication#start}, after the configuration files are read (so that {@code server.port} and
 * {@code server.address} are known); a random port ({@code 0}, as the tests use) and batch mode skip it.
 *
 * @since 0.1
 */
final class ServerPortCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        if (event.getSpringApplication().getWebApplicationType() == WebApplicationType.NONE) {
            return;
        }
        Binder binder = Binder.get(event.getEnvironment());
        int port = binder.bind("server.port", Integer.class).orElse(8080);
        InetAddress address = binder.bind("server.address", InetAddress.class).orElse(null);
        if (port > 0) {
            check(address, port);
        }
    }

    static void check(InetAddress address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // as the web server binds: a socket in TIME_WAIT does not count, a listening one does
            socket.setReuseAddress(true);
            socket.bind(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port));
        } catch (IOException e) {
            throw new ServerPortInUseException(address == null ? "*" : address.getHostAddress(), port, e);
        }
    }

    /** After the configuration files are read. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
