package io.onceflow.it.r2dbc;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Statement;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A connection factory that watches what the code under test sends: the SQL of every statement it executes, every
 * {@code Statement.add()} call, and hooks that run before a statement, before a {@code COMMIT} (to kill the
 * connection mid-commit, or to fail it) and after one (to lose its response).
 */
final class ConnectionSpy implements ConnectionFactory {

    private final ConnectionFactory delegate;
    private final List<String> executed = new CopyOnWriteArrayList<>();
    private final List<String> added = new CopyOnWriteArrayList<>();
    private final AtomicInteger commits = new AtomicInteger();
    private volatile IntFunction<Mono<Void>> beforeCommit = commit -> Mono.empty();
    private volatile IntFunction<Mono<Void>> afterCommit = commit -> Mono.empty();
    private volatile Function<String, Mono<Void>> beforeExecute = sql -> Mono.empty();

    ConnectionSpy(ConnectionFactory delegate) {
        this.delegate = delegate;
    }

    /** Runs {@code hook} with the commit's number (from 1) before each {@code COMMIT}; its error fails the commit. */
    ConnectionSpy beforeCommit(IntFunction<Mono<Void>> hook) {
        this.beforeCommit = hook;
        return this;
    }

    /**
     * Runs {@code hook} with the commit's number (from 1) after each {@code COMMIT} the server confirmed; its error
     * replaces the confirmation, as when the response is lost on its way back.
     */
    ConnectionSpy afterCommit(IntFunction<Mono<Void>> hook) {
        this.afterCommit = hook;
        return this;
    }

    /** Runs {@code hook} with the statement's SQL before each statement executes; its error fails the statement. */
    ConnectionSpy beforeExecute(Function<String, Mono<Void>> hook) {
        this.beforeExecute = hook;
        return this;
    }

    /** The SQL of each statement executed, in order. */
    List<String> executed() {
        return List.copyOf(executed);
    }

    /** Statements executed whose SQL starts with {@code prefix}. */
    long executed(String prefix) {
        return executed.stream().filter(sql -> sql.startsWith(prefix)).count();
    }

    /** {@code Statement.add()} calls on statements whose SQL starts with {@code prefix}. */
    long adds(String prefix) {
        return added.stream().filter(sql -> sql.startsWith(prefix)).count();
    }

    void reset() {
        executed.clear();
        added.clear();
    }

    @Override
    public Publisher<? extends Connection> create() {
        return Mono.from(delegate.create()).map(this::spy);
    }

    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return delegate.getMetadata();
    }

    private Connection spy(Connection connection) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("createStatement")) {
                return statement((Statement) invoke(connection, method, args), (String) args[0]);
            }
            if (method.getName().equals("commitTransaction")) {
                int number = commits.incrementAndGet();
                return beforeCommit
                        .apply(number)
                        .then(Mono.from((Publisher<?>) invoke(connection, method, args)))
                        .then(Mono.defer(() -> afterCommit.apply(number)));
            }
            return invoke(connection, method, args);
        };
        return (Connection)
                Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private Statement statement(Statement statement, String sql) {
        Statement[] self = new Statement[1];
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("add")) {
                added.add(sql);
            } else if (method.getName().equals("execute")) {
                executed.add(sql);
                return beforeExecute.apply(sql).thenMany(Flux.defer(() -> {
                    try {
                        return (Publisher<?>) invoke(statement, method, args);
                    } catch (Throwable e) {
                        return Flux.error(e);
                    }
                }));
            }
            Object result = invoke(statement, method, args);
            return result == statement ? self[0] : result;
        };
        self[0] = (Statement)
                Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {Statement.class}, handler);
        return self[0];
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
