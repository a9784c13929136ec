package io.onceflow.it.blocking;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import reactor.blockhound.BlockHound;

/**
 * BlockHound, installed once per JVM, recording every blocking call made on a Reactor non-blocking thread instead of
 * throwing: a test then sees all of them, with where they came from, rather than a pipeline that fails and recovers
 * from the error by itself. Calls made while a class initializes are left out: they happen once per JVM.
 */
public final class BlockingCalls {

    private static final List<String> SEEN = new ArrayList<>();
    private static boolean installed;

    private BlockingCalls() {}

    /** Installs BlockHound (once; the JVM stays instrumented) and forgets what was seen so far. */
    public static synchronized void install() {
        if (!installed) {
            // install(...) also loads the integrations on the class path (Reactor's marks its non-blocking threads)
            BlockHound.install(builder -> builder.blockingMethodCallback(method -> record(method.toString())));
            installed = true;
        }
        SEEN.clear();
    }

    /** The blocking calls seen since {@link #install()}, each with the thread and the top of its stack. */
    public static synchronized List<String> seen() {
        return List.copyOf(SEEN);
    }

    private static synchronized void record(String method) {
        StackTraceElement[] frames = new Throwable().getStackTrace();
        if (Arrays.stream(frames).anyMatch(frame -> frame.getMethodName().equals("<clinit>"))) {
            return; // a class initializing (Netty loading its native transport): once per JVM, not per record
        }
        if (Arrays.stream(frames).anyMatch(frame -> frame.getMethodName().equals("getTask"))) {
            // an idle worker waiting for a task: Reactor's integration allows that wait, but not for a thread that
            // was already waiting when BlockHound was installed (a JVM that ran other tests first)
            return;
        }
        String stack = Arrays.stream(frames)
                .skip(2)
                .limit(25)
                .map(StackTraceElement::toString)
                .collect(Collectors.joining("\n    "));
        SEEN.add(method + " on " + Thread.currentThread().getName() + "\n    " + stack);
    }
}
