/*
 * The tracer thread's idle loop in native code (tfix.engine.ptrace.IdleForward). While tfix is attached, every
 * signal sent to a traced thread stops it until its tracer passes the signal on. Between tasks the tracer thread
 * used to look every millisecond from Java, and any JVM pause (a safepoint for GC, class loading, compilation)
 * stopped those looks, holding the target's signals for tens of milliseconds. A thread inside a native call runs
 * on through safepoints, so it waits here instead: it looks for stops every `interval` nanoseconds, passes a plain
 * signal on at once (PTRACE_CONT with that signal, exactly what the Java pump does), and returns when Java has
 * work for it (an eventfd the Java side writes when it queues a task), when time is up, or with the first status
 * it does not handle itself: clone events, interrupt and job-control stops, syscall stops, exits, a SIGTRAP (may
 * be tfix's own business), and a signal that ended a call with EINTR (Java decides whether to re-issue it). Java
 * handles that status exactly as if its own poll had read it, so the semantics stay those of Tracee.handle.
 *
 * Signals are passed on here only when in[IN_PASS] says every traced thread is meant to run (no freeze, no thread
 * held, no entry hold): then passing a signal on is the only thing Java would have done with its stop. Otherwise
 * every status goes back to Java at once, and the loop only spares Java its polling.
 *
 * Layout of in[] and out[]: see the constants below and IdleForward, which writes and reads them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { IN_WAKEFD, IN_INTERVAL_NS, IN_MAX_NS, IN_PASS };
/* OUT_LAST_LOOK: CLOCK_MONOTONIC (Java's nanoTime) of the last look, from which Java counts the tracer deaf again. */
enum { OUT_RESULT, OUT_TID, OUT_STATUS, OUT_PASSED, OUT_LONGEST_DEAF, OUT_LONGEST_HOLD, OUT_ERRNO, OUT_LAST_LOOK };
enum { WOKEN = 0, EVENT = 1, TIME_UP = 2, FAILED = 3 };

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Passes a plain signal-delivery stop's signal on; -1 when Java must see the status instead. */
static int pass_on(pid_t tid, int st) {
    struct user_regs_struct r;
    int sig = WSTOPSIG(st);
    if (!WIFSTOPPED(st) || (st >> 16) != 0 || sig == (SIGTRAP | 0x80) || sig == SIGTRAP) return -1;
    if (ptrace(PTRACE_GETREGS, tid, 0, &r)) return errno == ESRCH ? 0 : -1; /* killed meanwhile: its exit comes */
    if ((int64_t) r.orig_rax >= 0 && (int64_t) r.rax == -EINTR) return -1;
    if (ptrace(PTRACE_CONT, tid, 0, sig) && errno != ESRCH) return -1;
    return 0;
}

__attribute__((visibility("default"))) int64_t tfix_forward(const int64_t *in, int64_t *out) {
    int64_t start = now_ns(), last = start, deadline = start + in[IN_MAX_NS];
    struct timespec every = {in[IN_INTERVAL_NS] / 1000000000L, in[IN_INTERVAL_NS] % 1000000000L};
    struct pollfd wake = {(int) in[IN_WAKEFD], POLLIN, 0};
    for (int i = OUT_RESULT; i <= OUT_LAST_LOOK; i++) out[i] = 0;
    for (;;) {
        int st;
        pid_t tid;
        int64_t looked = now_ns();
        if (looked - last > out[OUT_LONGEST_DEAF]) out[OUT_LONGEST_DEAF] = looked - last;
        last = out[OUT_LAST_LOOK] = looked;
        while ((tid = waitpid(-1, &st, WNOHANG | __WALL | __WNOTHREAD)) > 0) {
            if (!in[IN_PASS] || pass_on(tid, st)) {
                out[OUT_TID] = tid;
                out[OUT_STATUS] = st;
                return out[OUT_RESULT] = EVENT;
            }
            out[OUT_PASSED]++;
            int64_t held = now_ns() - looked;
            if (held > out[OUT_LONGEST_HOLD]) out[OUT_LONGEST_HOLD] = held;
        }
        if (tid < 0 && errno != ECHILD && errno != EINTR) {
            out[OUT_ERRNO] = errno;
            return out[OUT_RESULT] = FAILED;
        }
        if (now_ns() >= deadline) return out[OUT_RESULT] = TIME_UP;
        int r = ppoll(&wake, 1, &every, NULL);
        if (r > 0) {
            uint64_t count;
            if (read(wake.fd, &count, sizeof count) < 0 && errno != EAGAIN) {
                out[OUT_ERRNO] = errno;
                return out[OUT_RESULT] = FAILED;
            }
            return out[OUT_RESULT] = WOKEN;
        }
        if (r < 0 && errno != EINTR) {
            out[OUT_ERRNO] = errno;
            return out[OUT_RESULT] = FAILED;
        }
    }
}
