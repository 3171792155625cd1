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
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { IN_WAKEFD, IN_INTERVAL_NS, IN_MAX_NS, IN_PASS, IN_LEADER };
/* OUT_LAST_LOOK: CLOCK_MONOTONIC (Java's nanoTime) of the last look, from which Java counts the tracer deaf again. */
enum { OUT_RESULT, OUT_TID, OUT_STATUS, OUT_PASSED, OUT_LONGEST_DEAF, OUT_LONGEST_HOLD, OUT_ERRNO, OUT_LAST_LOOK };
enum { WOKEN = 0, EVENT = 1, TIME_UP = 2, FAILED = 3, LOST = 4 };
/* How often the leader's /proc state is looked at for a stop whose status another thread's wait took. */
#define STRAY_NS 1000000L

/*
 * Whether the thread group leader sits in a tracing stop ('t'). Any thread of this process that waits for a child
 * (a JVM's process reaper, for a target this JVM started) takes the leader's ptrace-stops too, and no status then
 * reaches this loop (Java is told the leader only for such a target). The stop is remade from its siginfo as
 * StrayStops does in Java.
 */
static int leader_in_trace_stop(long pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' && p[2] == 't';
}

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

/*
 * The leader in a tracing stop whose status no wait gives this loop. /proc is read before the wait: a stop /proc shows
 * whose status the wait then does not return was taken by another waiter. A plain signal's stop is passed on here;
 * anything else goes to Java (LOST), which remakes it the same way. Returns 0 (nothing), 1 (passed), or EVENT/LOST.
 */
static int stray_leader(pid_t pid, int pass, int64_t *out) {
    int st;
    siginfo_t si;
    if (!leader_in_trace_stop(pid)) return 0;
    pid_t w = waitpid(pid, &st, WNOHANG | __WALL | __WNOTHREAD);
    if (w == pid) {
        if (!pass || pass_on(pid, st)) {
            out[OUT_TID] = pid;
            out[OUT_STATUS] = st;
            return EVENT;
        }
        return 1;
    }
    if (!pass || ptrace(PTRACE_GETSIGINFO, pid, 0, &si) || si.si_signo == SIGTRAP) {
        out[OUT_TID] = pid;
        return LOST;
    }
    if (pass_on(pid, si.si_signo << 8 | 0x7f)) {
        out[OUT_TID] = pid;
        return LOST;
    }
    return 1;
}

__attribute__((visibility("default"))) int64_t tfix_forward(const int64_t *in, int64_t *out) {
    int64_t start = now_ns(), last = start, deadline = start + in[IN_MAX_NS], strays = start;
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
        if (in[IN_LEADER] > 0 && looked - strays >= STRAY_NS) {
            strays = looked;
            int r = stray_leader((pid_t) in[IN_LEADER], (int) in[IN_PASS], out);
            if (r == 1) out[OUT_PASSED]++;
            else if (r != 0) return out[OUT_RESULT] = r;
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
