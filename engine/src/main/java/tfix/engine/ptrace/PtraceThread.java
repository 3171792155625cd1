package tfix.engine.ptrace;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import tfix.engine.timing.Holds;

/**
 * The one OS thread that owns a tracee. The kernel ties ptrace to the thread that
 * attached, so every request for the tracee runs here.
 */
public final class PtraceThread implements AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;
    private ScheduledFuture<?> idle;
    /** The native idle loop that runs between tasks, when one does ({@link #forwardWhileIdle}). */
    private volatile IdleForward forward;
    /** This run's claim on the process, let go with the thread; null when none was taken. */
    private final TraceClaim claim;

    public PtraceThread(int pid) {
        this(pid, null);
    }

    /**
     * The thread that will trace {@code pid}, once this run holds its {@link TraceClaim} (kept until {@link #close()}):
     * waits up to {@code lockTimeout} while another tfix holds it, {@code waiting} hearing for whom.
     */
    public PtraceThread(int pid, String holder, Duration lockTimeout, Consumer<String> waiting) {
        this(pid, TraceClaim.take(pid, holder, lockTimeout, waiting));
    }

    private PtraceThread(int pid, TraceClaim claim) {
        this.claim = claim;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tfix-ptrace-" + pid);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    /**
     * Runs {@code task} every millisecond between other tasks: a traced thread that
     * receives a signal stays stopped until its tracer passes the signal on.
     */
    public synchronized void whileIdle(Runnable task) {
        if (idle != null) {
            idle.cancel(false);
        }
        IdleForward f = forward;
        forward = null;
        if (f != null) {
            f.wake(); // its round sees it is no longer wanted and closes it
        }
        idle = task == null ? null : executor.scheduleWithFixedDelay(() -> {
            IdlePause.pass();
            try (Holds.Cause c = Holds.cause("the idle pump (every 1 ms between tasks)")) {
                task.run();
            } catch (RuntimeException e) {
                // The next task reports the tracee's state; an idle pass has no one to tell.
            }
        }, 1, 1, TimeUnit.MILLISECONDS);
    }

    /**
     * Between tasks, waits for {@code tracee}'s events in native code ({@link IdleForward}), which passes signals on
     * even while the JVM is paused, and is woken when a task is queued; the Java pump every 1 ms
     * ({@link #whileIdle}) where that cannot run. {@code whileIdle(null)} ends either.
     */
    public synchronized void forwardWhileIdle(Tracee tracee) {
        IdleForward f = IdleForward.open(tracee);
        if (f == null) {
            whileIdle(tracee::pump);
            return;
        }
        whileIdle(null);
        forward = f;
        executor.execute(new Runnable() {
            @Override
            public void run() {
                boolean going = true;
                long delay = 0;
                if (forward == f) {
                    try (Holds.Cause c = Holds.cause("the native idle loop")) {
                        going = f.round();
                    } catch (RuntimeException e) {
                        // The next task reports the tracee's state; an idle pass has no one to tell. A failure
                        // that comes back each pass must not spin: the next pass waits 1 ms, as the pump did.
                        delay = 1;
                    }
                }
                if (forward != f) {
                    f.close(); // on the tracer thread, out of the native loop: nobody waits on its fd
                } else if (going) {
                    try {
                        // Queued behind any task submitted meanwhile: the executor runs equal delays in order.
                        executor.schedule(this, delay, TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        f.close(); // shut down meanwhile
                    }
                } else {
                    f.close();
                    fallBack(f, tracee);
                }
            }
        });
    }

    private synchronized void fallBack(IdleForward f, Tracee tracee) {
        if (forward == f) {
            forward = null;
            whileIdle(tracee::pump);
        }
    }

    public boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** Runs the task on the ptrace thread and waits for it; runs inline when already there. */
    public <T> T call(Callable<T> task) {
        if (isCurrent()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Future<T> f = executor.submit(() -> {
            try (Holds.Cause c = Holds.cause("a task on the tracer thread")) {
                return task.call();
            }
        });
        wakeIdle();
        try {
            return f.get();
        } catch (InterruptedException e) {
            // The task runs to its end (stopping it half-way could leave the target stopped): wait for
            // its real outcome, then keep the interrupt for the caller.
            try {
                return awaitUninterruptibly(f);
            } finally {
                Thread.currentThread().interrupt();
            }
        } catch (ExecutionException e) {
            throw withCallerFrames(unwrap(e));
        }
    }

    /** Queues the task on the ptrace thread without waiting (a seize that must not wait for the caller). */
    public Future<?> submit(Runnable task) {
        Future<?> f = executor.submit(task);
        wakeIdle();
        return f;
    }

    /** A task is queued: the native idle loop, if waiting, returns to let it run. */
    private void wakeIdle() {
        IdleForward f = forward;
        if (f != null) {
            f.wake();
        }
    }

    public void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    private static <T> T awaitUninterruptibly(Future<T> f) {
        while (true) {
            try {
                return f.get();
            } catch (InterruptedException again) {
                // keep waiting: the outcome is what the user must be told
            } catch (ExecutionException e) {
                throw withCallerFrames(unwrap(e));
            }
        }
    }

    /** Adds the calling thread's frames, so an error names the script line that caused it. */
    private static RuntimeException withCallerFrames(RuntimeException e) {
        StackTraceElement[] own = e.getStackTrace();
        StackTraceElement[] caller = new Throwable().getStackTrace();
        StackTraceElement[] all = Arrays.copyOf(own, own.length + caller.length);
        System.arraycopy(caller, 0, all, own.length, caller.length);
        e.setStackTrace(all);
        return e;
    }

    private static RuntimeException unwrap(Exception e) {
        Throwable c = e instanceof ExecutionException ? e.getCause() : e;
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(c);
    }

    @Override
    public void close() {
        whileIdle(null);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (claim != null) {
                claim.close(); // after the thread stopped tracing: the next tfix may seize at once
            }
        }
    }
}
