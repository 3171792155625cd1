/*
 * The stop window of tfix's classic path in one call, made on the tracer thread (ptrace requests must come
 * from the OS thread that seized the threads): interrupt every thread, wait for all, read every thread's
 * registers and the top of its stack, check no thread is in the way of a write, write the sites through
 * /proc/PID/mem, read them back, resume. Everything that can be computed before the stop (ranges, bytes,
 * buffers, the mem fd) is computed by the Java side (tfix.engine.apply.NativeFreeze) and handed in.
 *
 * Only the usual cases are handled here: each thread answers with a plain interrupt stop, or first stops for a
 * signal, which is passed on at once (see pass_signal). Anything else (a clone, a job-control stop, an exit, a
 * signal that cut a call short, a stack not in the maps given, a read that fails, bytes that differ) returns FALLBACK with every status collected so far and no thread resumed: the Java path,
 * which knows every case, takes over from there in the same stop. A write that fails and a site that then cannot
 * be put back returns ROLLBACK_FAILED, also with every thread stopped. A thread stopped in a system call that
 * answered EINTR is left stopped for the Java side, which re-issues the call before resuming it.
 *
 * Layout of in[] and out[]: see the constants below and NativeFreeze/NativeStop, which write and read them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { IN_PID, IN_MEMFD, IN_THREADS, IN_MAPS, IN_SITES, IN_RANGES, IN_SCAN, IN_TIMEOUT, IN_STACKBUF, IN_STACKCAP,
       IN_BYTES, IN_HDR = 16 };
enum { OUT_RESULT, OUT_T_START, OUT_T_STOPPED, OUT_T_CHECKED, OUT_T_WRITTEN, OUT_T_RESUMED, OUT_BUSY_THREAD,
       OUT_BUSY_KIND, OUT_BUSY_SITE, OUT_BUSY_VALUE, OUT_BUSY_PLACE, OUT_STATUSES, OUT_HDR = 16 };
enum { DONE = 0, BUSY = 1, FALLBACK = 2, ROLLBACK_FAILED = 3 };
enum { RUNNING = 0, STOPPED = 1, GONE = 2 };
/* Why a thread is in the way, as tfix.engine.apply.NativeFreeze words it. */
enum { AT_RIP = 1, RESTART = 2, RETURN_INTO = 3, EXECUTING_OLD = 4, OLD_ON_STACK = 5 };
enum { NREGS = 27, MAX_FRAMES = 64, IOV_BATCH = 1024, MAX_SITES = 4096 };
#define EVENT_STOP_TRAP ((SIGTRAP | (PTRACE_EVENT_STOP << 8)) << 8 | 0x7f)
#define YIELD_NANOS 500000L

/* A site: [addr, addr+len) changes from before to after; the old function is [entry, entry+fn_span). */
struct site { int64_t addr, len, entry, fn_span, replacing, before, after, pad; };
/* A range no stack word may point into: lo..hi, for a site (kind RETURN_INTO or OLD_ON_STACK); sorted by lo, with
 * max_hi the largest hi of this range and every one before it (ranges may overlap). */
struct range { int64_t lo, hi, max_hi, site, kind, pad[3]; };

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int find_tid(const int64_t *tids, int64_t n, int64_t tid) {
    int64_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        int64_t mid = (lo + hi) / 2;
        if (tids[mid] < tid) lo = mid + 1;
        else if (tids[mid] > tid) hi = mid - 1;
        else return (int) mid;
    }
    return -1;
}

/* The map holding addr (maps sorted by start, as pairs start,end), or -1. */
static int64_t find_map(const int64_t *maps, int64_t n, uint64_t addr) {
    int64_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        int64_t mid = (lo + hi) / 2;
        if ((uint64_t) maps[2 * mid] > addr) hi = mid - 1;
        else if (addr >= (uint64_t) maps[2 * mid + 1]) lo = mid + 1;
        else return mid;
    }
    return -1;
}

/* The range a word points into, or -1. */
static int64_t find_range(const struct range *r, int64_t n, int64_t w) {
    int64_t lo = 0, hi = n - 1, last = -1;
    while (lo <= hi) { /* the last range with lo <= w */
        int64_t mid = (lo + hi) / 2;
        if (r[mid].lo <= w) { last = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (int64_t i = last; i >= 0 && r[i].max_hi > w; i--)
        if (w < r[i].hi) return i;
    return -1;
}

static int busy(int64_t *out, int64_t thread, int64_t kind, int64_t site, int64_t value, int64_t place) {
    out[OUT_BUSY_THREAD] = thread;
    out[OUT_BUSY_KIND] = kind;
    out[OUT_BUSY_SITE] = site;
    out[OUT_BUSY_VALUE] = value;
    out[OUT_BUSY_PLACE] = place;
    return 1;
}

static int read_word(int fd, int64_t addr, int64_t *into) {
    return pread(fd, into, 8, addr) == 8 ? 0 : -1;
}

/* Whether thread i is in the way (then out[] says how), 0 if clear, -1 if the Java side must look. */
static int check_thread(const int64_t *in, int64_t *out, int64_t i, const int64_t *regs, const int64_t *words,
                        int64_t from, int64_t nwords, int64_t stack_end) {
    const int64_t *sites_raw = in + IN_HDR + in[IN_THREADS] + 2 * in[IN_MAPS];
    const struct site *sites = (const struct site *) sites_raw;
    const struct range *ranges = (const struct range *) (sites_raw + 8 * in[IN_SITES]);
    int64_t nsites = in[IN_SITES], nranges = in[IN_RANGES];
    int64_t rip = regs[16], orig_rax = regs[15];
    for (int64_t s = 0; s < nsites; s++) {
        const struct site *w = &sites[s];
        if (rip > w->addr && rip < w->addr + w->len) return busy(out, i, AT_RIP, s, rip, 0);
        if (orig_rax >= 0 && rip - 2 >= w->addr && rip - 2 < w->addr + w->len) return busy(out, i, RESTART, s, rip, 0);
        if (w->replacing && w->fn_span > 0 && rip >= w->entry && rip < w->entry + w->fn_span)
            return busy(out, i, EXECUTING_OLD, s, rip, 0);
    }
    for (int64_t k = 0; k < nwords; k++) {
        int64_t r = find_range(ranges, nranges, words[k]);
        if (r >= 0) return busy(out, i, ranges[r].kind, ranges[r].site, words[k], from + 8 * k);
    }
    /* Deeper frames, through the frame-pointer chain (where the code keeps one), as StackCheck follows it. rbp is
     * any value where code uses it as a general register (-16 is common in -O2 code): every test is signed and
     * written so that nothing can wrap (rbp + 16 wrapped to 0 once passed them all and read far off the buffer). */
    int64_t rbp = regs[4];
    for (int f = 0; f < MAX_FRAMES && rbp >= from && rbp <= stack_end - 16; f++) {
        int64_t next, ret;
        if (rbp - from <= 8 * nwords - 16 && ((rbp - from) & 7) == 0) {
            next = words[(rbp - from) / 8];
        } else {
            if (read_word((int) in[IN_MEMFD], rbp, &next) || read_word((int) in[IN_MEMFD], rbp + 8, &ret)) return -1;
            int64_t r = find_range(ranges, nranges, ret);
            if (r >= 0) return busy(out, i, ranges[r].kind, ranges[r].site, ret, rbp + 8);
        }
        if (next <= rbp) break; /* signed: a negative word read from the stack ends the chain */
        rbp = next;
    }
    return 0;
}

/* Reads every thread's window into the stack buffer with process_vm_readv, IOV_BATCH ranges a call. */
static int read_stacks(const int64_t *in, const int64_t *from, const int64_t *len, int64_t n) {
    struct iovec local[IOV_BATCH], remote[IOV_BATCH];
    char *buf = (char *) in[IN_STACKBUF];
    int64_t at = 0;
    for (int64_t first = 0; first < n; first += IOV_BATCH) {
        int64_t m = n - first < IOV_BATCH ? n - first : IOV_BATCH, want = 0;
        for (int64_t k = 0; k < m; k++) {
            local[k].iov_base = buf + at;
            local[k].iov_len = len[first + k];
            remote[k].iov_base = (void *) from[first + k];
            remote[k].iov_len = len[first + k];
            at += len[first + k];
            want += len[first + k];
        }
        if (process_vm_readv((pid_t) in[IN_PID], local, m, remote, m, 0) != want) return -1;
    }
    return 0;
}

static void pause_a_little(int64_t since) {
    if (now_ns() - since < YIELD_NANOS) {
        sched_yield(); /* the threads being waited for may need this CPU */
    } else {
        struct timespec t = {0, 20000};
        nanosleep(&t, NULL);
    }
}

/*
 * A thread that stops for a signal on its way to the interrupt stop has it passed on at once and is asked again
 * (its interrupt stop follows), as the Java path does (StopWait.stopAll): no signal is held through a freeze. Not
 * when the signal cut a system call short with EINTR: whether to re-issue it depends on the signal's disposition,
 * which the Java path looks up (TracedEintr). 0 when passed on, -1 when the status is for the Java side.
 */
static int pass_signal(int64_t tid, int st) {
    struct user_regs_struct r;
    if (!WIFSTOPPED(st) || (st >> 16) != 0 || WSTOPSIG(st) == (SIGTRAP | 0x80)) return -1;
    if (ptrace(PTRACE_GETREGS, (pid_t) tid, 0, &r) || ((int64_t) r.orig_rax >= 0 && (int64_t) r.rax == -EINTR)) return -1;
    if (ptrace(PTRACE_INTERRUPT, (pid_t) tid, 0, 0) || ptrace(PTRACE_CONT, (pid_t) tid, 0, WSTOPSIG(st))) return -1;
    return 0;
}

/* Stops every thread; 0 when all are in a plain interrupt stop, else -1 (statuses recorded in out). */
static int stop_all(const int64_t *in, int64_t *out, int64_t *state) {
    const int64_t *tids = in + IN_HDR;
    int64_t n = in[IN_THREADS], *statuses = out + OUT_HDR + n + NREGS * n;
    int64_t remaining = n, since = now_ns(), deadline = since + in[IN_TIMEOUT];
    out[OUT_T_START] = since;
    for (int64_t i = 0; i < n; i++) ptrace(PTRACE_INTERRUPT, (pid_t) tids[i], 0, 0); /* ESRCH: its exit comes */
    while (remaining > 0) {
        int st;
        pid_t r = waitpid(-1, &st, WNOHANG | __WALL | __WNOTHREAD);
        if (r > 0) {
            int64_t k = out[OUT_STATUSES]++;
            statuses[2 * k] = r;
            statuses[2 * k + 1] = st;
            int i = find_tid(tids, n, r);
            if (i >= 0 && state[i] != STOPPED && pass_signal(tids[i], st) == 0) {
                out[OUT_STATUSES]--; /* handled here: its interrupt stop follows */
                continue;
            }
            if (i < 0 || st != EVENT_STOP_TRAP || state[i] == STOPPED) return -1;
            state[i] = STOPPED;
            remaining--;
            since = now_ns();
        } else if (r == 0 || errno == EINTR) {
            if (now_ns() > deadline) return -1;
            pause_a_little(since);
        } else {
            return -1;
        }
    }
    return 0;
}

/* Resumes every stopped thread except those in a call that answered EINTR (the Java side re-issues it). */
static void resume_all(const int64_t *in, int64_t *out, int64_t *state, const int64_t *regs) {
    const int64_t *tids = in + IN_HDR;
    for (int64_t i = 0; i < in[IN_THREADS]; i++) {
        const int64_t *r = regs + NREGS * i;
        if (state[i] != STOPPED || (r[15] >= 0 && r[10] == -EINTR)) continue;
        if (ptrace(PTRACE_CONT, (pid_t) tids[i], 0, 0) == 0) state[i] = RUNNING;
        else if (errno == ESRCH) state[i] = GONE;
    }
    out[OUT_T_RESUMED] = now_ns();
}

/* Puts [addr, addr+len) back to bytes, read back; 0 when it holds them. */
static int put_back(int fd, const struct site *w, const unsigned char *bytes) {
    unsigned char now[64];
    for (int tries = 0; tries < 2; tries++) {
        if (pwrite(fd, bytes, w->len, w->addr) == w->len && pread(fd, now, w->len, w->addr) == w->len
            && !memcmp(now, bytes, w->len)) return 0;
    }
    return -1;
}

/*
 * Writes every site, reads each back; all or nothing. 0 when done; -1 when nothing changed (every site written
 * put back and read back as before) and the Java side must look; ROLLBACK_FAILED when a site could not be put back
 * (out[] names the last site written and the first not put back: the Java side tries again and words it). A site
 * that already held its new bytes is neither written nor put back.
 */
static int write_all(const int64_t *in, int64_t *out) {
    const struct site *sites = (const struct site *) (in + IN_HDR + in[IN_THREADS] + 2 * in[IN_MAPS]);
    const unsigned char *bytes = (const unsigned char *) in[IN_BYTES];
    unsigned char now[64];
    int fd = (int) in[IN_MEMFD];
    int64_t s, done, n = in[IN_SITES];
    if (n > MAX_SITES) return -1;
    char was_after[MAX_SITES];
    for (s = 0; s < n; s++) {
        const struct site *w = &sites[s];
        if (w->len > 64 || pread(fd, now, w->len, w->addr) != w->len) return -1;
        was_after[s] = !memcmp(now, bytes + w->after, w->len);
        if (memcmp(now, bytes + w->before, w->len) && !was_after[s]) return -1;
    }
    for (done = 0; done < n; done++) {
        const struct site *w = &sites[done];
        if (was_after[done]) continue;
        if (pwrite(fd, bytes + w->after, w->len, w->addr) != w->len) goto rollback; /* may be partly written */
        if (pread(fd, now, w->len, w->addr) != w->len || memcmp(now, bytes + w->after, w->len)) goto rollback;
    }
    return 0;
rollback: /* every site written goes back, also past one that will not: the Java path then looks again */
    out[OUT_BUSY_SITE] = done;
    out[OUT_BUSY_VALUE] = -1;
    for (s = 0; s <= done && s < n; s++) {
        if (!was_after[s] && put_back(fd, &sites[s], bytes + sites[s].before) && out[OUT_BUSY_VALUE] < 0)
            out[OUT_BUSY_VALUE] = s;
    }
    return out[OUT_BUSY_VALUE] < 0 ? -1 : ROLLBACK_FAILED;
}

__attribute__((visibility("default"))) int64_t tfix_freeze(int64_t *in, int64_t *out) {
    int64_t n = in[IN_THREADS];
    const int64_t *tids = in + IN_HDR, *maps = tids + n;
    int64_t *state = out + OUT_HDR, *regs = state + n;
    int64_t *from = regs + NREGS * n + 2 * (n + 1), *len = from + n, offset = 0; /* scratch, see NativeStop.outLongs */
    out[OUT_STATUSES] = 0;
    memset(state, 0, sizeof(int64_t) * n);
    if (stop_all(in, out, state)) return out[OUT_RESULT] = FALLBACK;
    out[OUT_T_STOPPED] = now_ns();
    for (int64_t i = 0; i < n; i++) {
        struct user_regs_struct *r = (struct user_regs_struct *) (regs + NREGS * i);
        if (ptrace(PTRACE_GETREGS, (pid_t) tids[i], 0, r)) return out[OUT_RESULT] = FALLBACK;
        int64_t m = find_map(maps, in[IN_MAPS], r->rsp);
        if (m < 0) return out[OUT_RESULT] = FALLBACK; /* a stack born since the maps were read */
        from[i] = r->rsp & ~7UL;
        int64_t room = maps[2 * m + 1] - from[i];
        len[i] = (room < in[IN_SCAN] ? room : in[IN_SCAN]) & ~7L;
        offset += len[i];
    }
    if (offset > in[IN_STACKCAP] || read_stacks(in, from, len, n)) return out[OUT_RESULT] = FALLBACK;
    const int64_t *words = (const int64_t *) in[IN_STACKBUF];
    for (int64_t i = 0; i < n; i++) {
        int64_t m = find_map(maps, in[IN_MAPS], from[i]);
        int c = check_thread(in, out, i, regs + NREGS * i, words, from[i], len[i] / 8, maps[2 * m + 1]);
        if (c < 0) return out[OUT_RESULT] = FALLBACK;
        if (c > 0) {
            out[OUT_T_CHECKED] = out[OUT_T_WRITTEN] = now_ns();
            resume_all(in, out, state, regs);
            return out[OUT_RESULT] = BUSY;
        }
        words += len[i] / 8;
    }
    out[OUT_T_CHECKED] = now_ns();
    int w = write_all(in, out);
    if (w) return out[OUT_RESULT] = w == ROLLBACK_FAILED ? ROLLBACK_FAILED : FALLBACK; /* every thread stopped */
    out[OUT_T_WRITTEN] = now_ns();
    resume_all(in, out, state, regs);
    return out[OUT_RESULT] = DONE;
}
