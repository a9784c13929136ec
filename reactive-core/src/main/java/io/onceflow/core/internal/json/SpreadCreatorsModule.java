package io.onceflow.core.internal.json;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.Version;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.deser.ValueInstantiator;
import tools.jackson.databind.deser.ValueInstantiators;
import tools.jackson.databind.deser.std.StdValueInstantiator;
import tools.jackson.databind.introspect.AnnotatedWithParams;

/**
 * Calls the constructor (or static factory) that Jackson creates a record or another property-based value with through
 * a method handle spread once, instead of Jackson's {@code MethodHandle.invokeWithArguments} per value.
 *
 * <p>Why: on Java 17 {@code invokeWithArguments} builds a spreading invoker at every call (method types, a lambda form
 * editor), and Jackson 3 (3.1 to 3.3) calls it for every value it creates with arguments: decoding a small record
 * allocated about 1,150 bytes, a third of them for that, and took about 90 ns longer than the same fields set on a
 * bean. Here
 * the creator's handle is made and spread on the first value, then called with {@code invokeExact}.
 *
 * <p>Everything else is Jackson's: the instantiator is Jackson's own ({@link StdValueInstantiator}, copied), so an
 * exception thrown by the creator is reported as Jackson reports it, and a creator this cannot call (a varargs one, a
 * handle that cannot be made) is left to Jackson. Only Jackson's standard instantiator is replaced, never one a module
 * supplied.
 */
public final class SpreadCreatorsModule extends JacksonModule {

    @Override
    public String getModuleName() {
        return "onceflow-spread-creators";
    }

    @Override
    public Version version() {
        return Version.unknownVersion();
    }

    @Override
    public void setupModule(SetupContext context) {
        context.addValueInstantiators(new ValueInstantiators.Base() {
            @Override
            public ValueInstantiator modifyValueInstantiator(
                    DeserializationConfig config, BeanDescription.Supplier beanDesc, ValueInstantiator found) {
                return found.getClass() == StdValueInstantiator.class
                                && ((StdValueInstantiator) found).getWithArgsCreator() != null
                        ? new SpreadInstantiator((StdValueInstantiator) found)
                        : found;
            }
        });
    }

    /** Jackson's instantiator, with its creator called through a handle spread once. */
    static final class SpreadInstantiator extends StdValueInstantiator {

        /** Not yet made: before the first value; {@link #JACKSONS}: left to Jackson. */
        private volatile @Nullable MethodHandle spread;

        private static final MethodHandle JACKSONS = MethodHandles.constant(Object.class, null);

        SpreadInstantiator(StdValueInstantiator jacksons) {
            super(jacksons);
        }

        @Override
        public Object createFromObjectWith(DeserializationContext ctxt, Object[] args) {
            MethodHandle creator = spread;
            if (creator == null) {
                // made at the first value, once Jackson has made the creator accessible (when it may)
                creator = spread(_withArgsCreator, args.length);
                spread = creator;
            }
            if (creator == JACKSONS) {
                return super.createFromObjectWith(ctxt, args);
            }
            try {
                return (Object) creator.invokeExact(args);
            } catch (Exception e) {
                return ctxt.handleInstantiationProblem(_valueClass, args, rewrapCtorProblem(ctxt, e));
            } catch (Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t); // not thrown by a Java constructor or method
            }
        }

        /** The creator's handle taking its arguments as one {@code Object[]}, or {@link #JACKSONS}. */
        private static MethodHandle spread(@Nullable AnnotatedWithParams creator, int arity) {
            if (creator == null) {
                return JACKSONS;
            }
            Member member = creator.getMember();
            try {
                MethodHandle handle;
                if (member instanceof Constructor<?> constructor && !constructor.isVarArgs()) {
                    handle = MethodHandles.lookup().unreflectConstructor(constructor);
                } else if (member instanceof Method method
                        && Modifier.isStatic(method.getModifiers())
                        && !method.isVarArgs()) {
                    handle = MethodHandles.lookup().unreflect(method);
                } else {
                    return JACKSONS;
                }
                if (handle.type().parameterCount() != arity) {
                    return JACKSONS;
                }
                return handle.asSpreader(Object[].class, arity)
                        .asType(MethodType.methodType(Object.class, Object[].class));
            } catch (IllegalAccessException | RuntimeException e) {
                return JACKSONS; // not accessible from here: Jackson calls it as it always has
            }
        }
    }
}
