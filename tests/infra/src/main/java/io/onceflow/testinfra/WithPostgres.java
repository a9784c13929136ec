package io.onceflow.testinfra;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hands the test a fresh PostgreSQL database: declare a {@link PostgresDatabase} parameter on a test method, a
 * lifecycle method or the constructor.
 *
 * <p>By default one database per top-level test class (nested classes share it), created on first use and dropped
 * after the class; {@link Lifetime#PER_METHOD} gives each test method its own. The server itself is shared by the
 * whole test JVM.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PostgresExtension.class)
public @interface WithPostgres {

    /** Which server to use; {@link PostgresMode#AUTO} picks the first available. */
    PostgresMode mode() default PostgresMode.AUTO;

    /** How long one database lives. */
    Lifetime lifetime() default Lifetime.PER_CLASS;

    /** How long one database lives. */
    enum Lifetime {
        /** One database for the whole top-level test class. */
        PER_CLASS,
        /** A fresh database for each test method (each repetition or invocation), dropped after it. */
        PER_METHOD
    }
}
