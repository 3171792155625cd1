package tfix.engine.ptrace;

import java.util.concurrent.CountDownLatch;

/**
 * A test hook standing for a JVM pause (a safepoint: GC, class loading, compilation), which holds a thread only
 * while it runs Java code, never inside a native call. The tracer thread's idle passes wait here before each piece
 * of Java they run; while held, the target's signals flow only if the tracer waits in native code. Off (the
 * default), one volatile read per pass.
 */
final class IdlePause {
    private static volatile CountDownLatch held;

    private IdlePause() {
    }

    /** Until {@link #release()}, an idle pass that reaches Java code waits. */
    static synchronized void hold() {
        if (held == null) {
            held = new CountDownLatch(1);
        }
    }

    static synchronized void release() {
        if (held != null) {
            held.countDown();
            held = null;
        }
    }

    /** Where an idle pass enters Java code. */
    static void pass() {
        CountDownLatch h = held;
        if (h == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                h.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
