package io.onceflow.testinfra;

import java.lang.annotation.Annotation;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Where the extensions keep their per-class services, and how they find their annotation. */
final class Contexts {
    private Contexts() {}

    /**
     * The context of the top-level test class. Services live there so that {@code @Nested} classes share their
     * enclosing class's broker or database instead of starting their own.
     */
    static ExtensionContext topLevelClass(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getParent().isPresent() && current.getParent().get() != current.getRoot()) {
            current = current.getParent().get();
        }
        return current;
    }

    /** The annotation on the test class or, for nested classes, on the nearest enclosing class that has it. */
    static <A extends Annotation> Optional<A> find(ExtensionContext context, Class<A> type) {
        for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
            Optional<A> found = AnnotationSupport.findAnnotation(c, type);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }
}
