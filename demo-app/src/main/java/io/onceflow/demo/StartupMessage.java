package io.onceflow.demo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Prints where the dashboard is, once the application is ready: the line a newcomer looks for.
 *
 * @since 0.1
 */
@Component
class StartupMessage {

    private static final Logger LOG = LoggerFactory.getLogger(StartupMessage.class);

    private volatile int port = -1;
    private volatile String host = "localhost";

    @EventListener
    void serverStarted(WebServerInitializedEvent event) {
        port = event.getWebServer().getPort();
        String address = event.getApplicationContext().getEnvironment().getProperty("server.address", "");
        host = address.isBlank() || "127.0.0.1".equals(address) || "0.0.0.0".equals(address) ? "localhost" : address;
    }

    @EventListener
    void ready(ApplicationReadyEvent event) {
        if (port > 0) {
            LOG.info(
                    "Onceflow ledger dashboard: http://{}:{}/  (REST: /payments, /accounts/<id>, /pipeline,"
                            + " /audit; Actuator: /actuator/health, /actuator/onceflow, /actuator/prometheus)",
                    host,
                    port);
        }
    }
}
