/*
 * Stop the world for a write, in-process. Threads running user code take a real-time signal whose handler notes
 * where they were (rip and rsp from the ucontext) and parks on a futex until released. A thread blocked in a
 * system call is never signalled: nanosleep, epoll_wait, poll and select return EINTR after any handler, whatever
 * SA_RESTART says; its pc and sp are read from /proc/self/task/TID/syscall instead.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "tfix_agent.h"

#define MAX_THREADS 4096
#define MAX_WRITES 256
#define STACK_SCAN (64 * 1024)

struct place {
    int tid;
    long syscall; /* -1: interrupted in user code */
    uint64_t pc, sp;
};

struct site {
    uint64_t address;
    uint32_t length;
    const uint8_t *before, *after;
};

static struct place parked_at[MAX_THREADS];
/* The program's own action for the signal while the agent's handler is installed (left installed only when a
 * signalled thread never arrived: putting the program's back then would meet that signal still pending). */
static struct sigaction program_action;
static int installed_signal;
static _Atomic int slots_used, parked, inside, holding, release_word;

static long futex(_Atomic int *word, int op, int value, const struct timespec *timeout) {
    return syscall(SYS_futex, (int *) word, op, value, timeout, NULL, 0);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

static void on_signal(int sig, siginfo_t *info, void *context) {
    (void) sig;
    (void) info;
    int saved = errno;
    atomic_fetch_add(&inside, 1);
    int generation = atomic_load(&release_word);
    if (atomic_load(&holding)) {
        ucontext_t *uc = context;
        int i = atomic_fetch_add(&slots_used, 1);
        if (i < MAX_THREADS) {
            parked_at[i].tid = (int) syscall(SYS_gettid);
            parked_at[i].syscall = -1;
            parked_at[i].pc = (uint64_t) uc->uc_mcontext.gregs[REG_RIP];
            parked_at[i].sp = (uint64_t) uc->uc_mcontext.gregs[REG_RSP];
        }
        atomic_fetch_add(&parked, 1);
        futex(&parked, FUTEX_WAKE_PRIVATE, 1, NULL);
        while (atomic_load(&holding) && atomic_load(&release_word) == generation) {
            futex(&release_word, FUTEX_WAIT_PRIVATE, generation, NULL);
        }
    }
    atomic_fetch_sub(&inside, 1);
    errno = saved;
}

/* TFIX_AGENT_SIGNAL if set (refused if the program handles it), else the highest real-time signal left at default. */
int pick_signal(struct tfix_reply *r) {
    const char *chosen = getenv("TFIX_AGENT_SIGNAL");
    struct sigaction now;
    if (installed_signal != 0) {
        return installed_signal;
    }
    if (chosen != NULL) {
        int sig = atoi(chosen);
        if (sig < SIGRTMIN || sig > SIGRTMAX) {
            return reply_fail(r, EINVAL, "TFIX_AGENT_SIGNAL=%s is not a real-time signal (%d..%d)", chosen, SIGRTMIN,
                    SIGRTMAX);
        }
        sigaction(sig, NULL, &now);
        if (now.sa_handler != SIG_DFL) {
            return reply_fail(r, EBUSY, "the program has its own action for signal %d (TFIX_AGENT_SIGNAL): choose one"
                    " it leaves alone", sig);
        }
        return sig;
    }
    for (int sig = SIGRTMAX; sig >= SIGRTMIN; sig--) {
        if (sigaction(sig, NULL, &now) == 0 && now.sa_handler == SIG_DFL) {
            return sig;
        }
    }
    return reply_fail(r, EBUSY, "the program has an action for every real-time signal: set TFIX_AGENT_SIGNAL");
}

/* A thread not running user code: where /proc/self/task/TID/syscall says it waits. 1 if it is running after all. */
static int blocked_place(int tid, struct place *p) {
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    if (read_small_file(path, line, sizeof line) < 0) {
        return -1;
    }
    if (strncmp(line, "running", 7) == 0) {
        return 1;
    }
    unsigned long a[6];
    p->tid = tid;
    if (sscanf(line, "%ld %lx %lx %lx %lx %lx %lx %lx %lx", &p->syscall, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5],
            (unsigned long *) &p->sp, (unsigned long *) &p->pc) == 9) {
        return 0;
    }
    if (sscanf(line, "%ld %lx %lx", &p->syscall, (unsigned long *) &p->sp, (unsigned long *) &p->pc) == 3) {
        return 0;
    }
    return -1;
}

static char task_state(int tid) {
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    if (read_small_file(path, stat, sizeof stat) < 0) {
        return 'X';
    }
    const char *paren = strrchr(stat, ')');
    return paren && paren[1] && paren[2] ? paren[2] : '?';
}

/* The end of the mapping holding sp, so the scan stops at the stack's top. */
static uint64_t mapping_end(const char *maps, uint64_t sp) {
    for (const char *line = maps; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && sp >= lo && sp < hi) {
            return hi;
        }
    }
    return sp;
}

/* 0 when clear, else the busy payload filled in. */
static int busy(const struct place *p, const struct site *sites, uint32_t count, const char *maps, uint8_t *stack,
        uint32_t out[3], uint64_t *where) {
    uint64_t top = mapping_end(maps, p->sp), len = top > p->sp ? top - p->sp : 0;
    len = len > STACK_SCAN ? STACK_SCAN : len & ~7ul;
    if (len && memory_pread(p->sp, stack, len) != 0) {
        len = 0;
    }
    for (uint32_t w = 0; w < count; w++) {
        uint64_t lo = sites[w].address, hi = lo + sites[w].length;
        out[0] = (uint32_t) p->tid;
        out[2] = w;
        if (p->pc > lo && p->pc < hi) { /* at the first byte, it runs the new jump */
            out[1] = 0;
            *where = p->pc;
            return 1;
        }
        if (p->syscall >= 0 && p->pc - 2 >= lo && p->pc - 2 < hi) {
            out[1] = 2;
            *where = p->pc - 2;
            return 1;
        }
        for (uint64_t at = 0; at < len; at += 8) {
            uint64_t word;
            memcpy(&word, stack + at, 8);
            if (word > lo && word < hi) {
                out[1] = 1;
                *where = word;
                return 1;
            }
        }
    }
    return 0;
}

static int write_all(const struct site *sites, uint32_t count, struct tfix_reply *r) {
    uint8_t now[4096];
    for (uint32_t w = 0; w < count; w++) {
        if (memory_pread(sites[w].address, now, sites[w].length) != 0
                || (memcmp(now, sites[w].before, sites[w].length) != 0 && memcmp(now, sites[w].after, sites[w].length) != 0)) {
            return reply_fail(r, EAGAIN, "the bytes at %#lx changed since they were checked; nothing was changed",
                    (unsigned long) sites[w].address);
        }
    }
    for (uint32_t w = 0; w < count; w++) {
        int err = memory_pwrite(sites[w].address, sites[w].after, sites[w].length);
        if (err == 0 && memory_pread(sites[w].address, now, sites[w].length) == 0
                && memcmp(now, sites[w].after, sites[w].length) == 0) {
            continue;
        }
        for (uint32_t back = 0; back <= w; back++) {
            memory_pwrite(sites[back].address, sites[back].before, sites[back].length);
        }
        return reply_fail(r, EIO, "read-back at %#lx differs from what was written; rolled back",
                (unsigned long) sites[w].address);
    }
    return 0;
}

static int parse(const uint8_t *in, size_t n, struct site *sites, uint32_t *count) {
    size_t at = 4;
    if (n < 4) {
        return -1;
    }
    memcpy(count, in, 4);
    if (*count == 0 || *count > MAX_WRITES) {
        return -1;
    }
    for (uint32_t w = 0; w < *count; w++) {
        if (at + 12 > n) {
            return -1;
        }
        memcpy(&sites[w].address, in + at, 8);
        memcpy(&sites[w].length, in + at + 8, 4);
        at += 12;
        if (sites[w].length == 0 || sites[w].length > 4096 || at + 2ul * sites[w].length > n) {
            return -1;
        }
        sites[w].before = in + at;
        sites[w].after = in + at + sites[w].length;
        at += 2ul * sites[w].length;
    }
    return at == n ? 0 : -1;
}

/* Waits until *word reaches value; 0 when it did within the time limit. */
static int await_count(_Atomic int *word, int value, uint64_t limit_ns) {
    uint64_t deadline = now_ns() + limit_ns;
    for (int seen; (seen = atomic_load(word)) != value;) {
        uint64_t t = now_ns();
        if (t >= deadline) {
            return -1;
        }
        struct timespec wait = {0, (long) ((deadline - t) < 10000000u ? deadline - t : 10000000u)};
        futex(word, FUTEX_WAIT_PRIVATE, seen, &wait);
    }
    return 0;
}

void stop_and_write(const uint8_t *in, size_t n, struct tfix_reply *r) {
    static struct site sites[MAX_WRITES];
    static struct place blocked[MAX_THREADS];
    uint32_t count;
    if (parse(in, n, sites, &count) != 0) {
        reply_fail(r, EINVAL, "STOP_WRITE payload is malformed");
        return;
    }
    if (atomic_load(&inside) != 0) {
        reply_fail(r, EAGAIN, "a thread has not yet left the last stop's safe point");
        return;
    }
    int sig = pick_signal(r);
    if (sig < 0) {
        return;
    }
    struct tfix_reply maps = {0};
    memory_maps(&maps);
    reply_add(&maps, "", 1);
    uint8_t *stack = malloc(STACK_SCAN);
    struct sigaction ours = {0};
    ours.sa_sigaction = on_signal;
    ours.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&ours.sa_mask);
    if (installed_signal != sig) {
        sigaction(sig, &ours, &program_action);
        installed_signal = sig;
    }
    atomic_store(&slots_used, 0);
    atomic_store(&parked, 0);
    atomic_store(&holding, 1);
    uint64_t start = now_ns();
    int self = (int) syscall(SYS_gettid), signalled = 0, nblocked = 0, unreachable = 0;
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        int tid = atoi(e->d_name);
        if (tid <= 0 || tid == self || nblocked >= MAX_THREADS) {
            continue;
        }
        char state = task_state(tid);
        if (state == 'Z' || state == 'X') {
            continue;
        }
        /* Signalled only when on a CPU ("running") or stopped in user code (syscall -1): a thread inside a system
         * call, asleep or runnable on its way in or out, is not, since a handler would end a sleep with EINTR. The
         * state letter alone would not do: a runnable thread may be entering nanosleep. */
        int running = blocked_place(tid, &blocked[nblocked]);
        if (running == 0 && blocked[nblocked].syscall < 0 && state != 'T' && state != 't') {
            running = 1;
        }
        if (running == 1) {
            if (syscall(SYS_tgkill, getpid(), tid, sig) == 0) {
                signalled++;
            } else if (task_state(tid) != 'X' && unreachable == 0) {
                /* Listed but not signalable: a /proc of another pid namespace (a container's process whose /proc
                 * was not remounted) names threads by pids this process cannot use. Never write past them. */
                unreachable = tid;
            }
        } else if (running == 0) {
            nblocked++;
        }
    }
    if (d) {
        closedir(d);
    }
    int arrived = await_count(&parked, signalled, 1000000000u) == 0 && unreachable == 0;
    uint32_t why[3];
    uint64_t where = 0;
    int in_the_way = 0;
    if (arrived) {
        int used = atomic_load(&slots_used) < MAX_THREADS ? atomic_load(&slots_used) : MAX_THREADS;
        for (int i = 0; i < used && !in_the_way; i++) {
            in_the_way = busy(&parked_at[i], sites, count, (char *) maps.data, stack, why, &where);
        }
        for (int i = 0; i < nblocked && !in_the_way; i++) {
            in_the_way = busy(&blocked[i], sites, count, (char *) maps.data, stack, why, &where);
        }
    }
    int failed = !arrived || in_the_way || write_all(sites, count, r) != 0;
    uint64_t freeze = now_ns() - start;
    atomic_store(&holding, 0);
    atomic_fetch_add(&release_word, 1);
    futex(&release_word, FUTEX_WAKE_PRIVATE, 1 << 30, NULL);
    /* A signal still pending would meet the program's own action: put it back only once every one arrived. */
    int all_in = await_count(&parked, signalled, 2000000000u) == 0 && await_count(&inside, 0, 2000000000u) == 0;
    if (all_in) {
        sigaction(sig, &program_action, NULL);
        installed_signal = 0;
    }
    free(stack);
    free(maps.data);
    if (unreachable != 0) {
        reply_fail(r, ESRCH, "thread %d of /proc/self/task cannot be signalled (is /proc from another pid namespace?"
                " mount the process's own); nothing was changed", unreachable);
    } else if (!arrived) {
        reply_fail(r, ETIMEDOUT, "%d of %d running threads did not reach a safe point within 1 s%s; nothing was changed",
                signalled - atomic_load(&parked), signalled, all_in ? "" : " (the agent's handler stays installed)");
    } else if (in_the_way) {
        r->status = TFIX_AGENT_BUSY;
        r->length = 0;
        reply_add(r, why, sizeof why);
        reply_add(r, &where, 8);
    } else if (!failed) {
        uint32_t counts[2] = {(uint32_t) signalled, (uint32_t) nblocked};
        reply_add(r, counts, sizeof counts);
        reply_add(r, &freeze, 8);
    }
}
