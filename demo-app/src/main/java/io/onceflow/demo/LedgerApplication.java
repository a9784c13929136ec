package io.onceflow.demo;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The payments ledger: {@code java -jar onceflow-demo.jar} serves the dashboard at {@code http://localhost:8080/};
 * {@code java -jar onceflow-demo.jar --onceflow.demo.events=10000} runs a batch, prints the audit, and exits 0 only
 * when it is exact.
 *
 * <p>With nothing configured it starts an embedded Kafka broker and an embedded PostgreSQL; with
 * {@code onceflow.kafka.bootstrap-servers} and {@code spring.r2dbc.url} it uses those servers. The demo's own settings
 * are in {@link DemoProperties}; the pipeline's are Onceflow's ({@code onceflow.pipeline.*}, reactive-spring).
 *
 * @since 0.1
 */
@SpringBootApplication
public class LedgerApplication {

    public static void main(String[] args) {
        ConfigurableApplicationContext context = start(args);
        if (batch(args)) {
            // the batch ran inside start(); exit with its verdict, after a graceful shutdown (final checkpoint)
            System.exit(SpringApplication.exit(context, context.getBean(BatchRun.class)));
        }
    }

    /** Starts the application; in batch mode the batch has run when this returns. */
    static ConfigurableApplicationContext start(String... args) {
        SpringApplication application = new SpringApplication(LedgerApplication.class);
        // a busy port fails now, before an embedded broker and database start for nothing
        application.addListeners(new ServerPortCheck());
        if (batch(args)) {
            // a batch serves nothing, and may run beside a demo that has port 8080
            application.setWebApplicationType(WebApplicationType.NONE);
            application.setBannerMode(Banner.Mode.OFF);
            application.setAdditionalProfiles("batch");
        }
        return application.run(args);
    }

    /** Whether {@code onceflow.demo.events} asks for a batch, from the arguments or the environment. */
    static boolean batch(String... args) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        ConfigurationPropertySources.attach(environment);
        return Binder.get(environment).bind("onceflow.demo.events", Long.class).orElse(0L) > 0;
    }
}
