package io.onceflow.demo;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The HTTP side's defences: request bodies read as strictly as the payments topic ({@link PaymentJson}), and Netty
 * timeouts, so that a client that declares a body and never sends it is closed rather than held.
 *
 * <pre>
 *   connection ── headers ── body ────────────────── response
 *                 └ read timeout: between two reads of the request
 *                 └──────── request timeout: the whole request ─┘
 *   idle keep-alive connection: server.netty.idle-timeout (application.yml)
 * </pre>
 *
 * @since 0.2
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    /** Request bodies: no scalar coercion, no duplicate fields, nothing after the JSON value. */
    @Bean
    JsonMapperBuilderCustomizer strictPaymentJson() {
        return PaymentJson::strict;
    }

    /** {@code onceflow.demo.http.read-timeout} and {@code request-timeout} on Reactor Netty's server. */
    @Bean
    NettyServerCustomizer httpTimeouts(DemoProperties properties) {
        DemoProperties.Http http = properties.http();
        return server -> server.readTimeout(http.readTimeout()).requestTimeout(http.requestTimeout());
    }
}
