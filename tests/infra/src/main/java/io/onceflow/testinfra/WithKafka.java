package io.onceflow.testinfra;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hands the test a real Kafka broker: declare a {@link KafkaBroker} parameter on a test method, a lifecycle method
 * or the constructor.
 *
 * <p>By default one broker serves every test of the (top-level) class, nested classes included, and is closed after
 * the class; starting a broker costs seconds.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KafkaExtension.class)
public @interface WithKafka {

    /** How the broker runs; use {@link BrokerMode#CHILD_PROCESS} to kill, restart or pause it. */
    BrokerMode mode() default BrokerMode.AUTO;

    /** How long one broker lives. */
    Lifetime lifetime() default Lifetime.PER_CLASS;

    /** How long one broker lives. */
    enum Lifetime {
        /** One broker for the whole top-level test class. */
        PER_CLASS,
        /** A fresh broker for each test method, for tests that leave the broker in a state others must not see. */
        PER_METHOD
    }
}
