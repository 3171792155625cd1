/*
 * Writing 2-byte entry jumps with no thread stopped and no signal sent (the way the kernel patches its own text,
 * text_poke_bp), for sites where that is sound.
 *
 * Why no thread needs to be stopped. Each site is 2 bytes, 2-aligned, and lies inside the first instruction of a
 * function (tfix plans this shape only when that instruction is at least 2 bytes long). So no thread can be
 * executing between the two bytes, no branch lands on the second one, and no return address points there: the
 * only way into the bytes is through their first one. The bytes become `jmp rel8` to a pad (a 5-byte jump in unused
 * padding nearby, written before any of this, that no thread executes yet). Intel's rule for cross-modifying code
 * (SDM vol. 3, 8.1.3) allows writing one byte under a running CPU if that byte is an int3, and anything else once
 * every CPU that may run the code has executed a serialising instruction after the write:
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) gives exactly that for every CPU of this mm. Order:
 *   int3 on every site's first byte   -> barrier  (from now on a thread at a site traps, whole)
 *   every site's second byte          -> barrier  (nobody can read it: the first byte traps)
 *   every site's first byte           -> barrier  (the new instruction is whole everywhere)
 * A thread that executes an int3 of ours meanwhile gets SIGTRAP; our handler (installed for the window only, the
 * program's action put back exactly) parks it until every site of the batch is whole (written or rolled back), then
 * sends it back to the site's first byte, so a batch of many sites switches for every thread at once. Every byte is
 * read back; a difference rolls every site back by the same sequence (roll_back: only sites not already whole, a
 * second byte only under an int3 that was written, carrying on past a failing site). A revert is the same write the
 * other way. If the roll-back itself fails, a site may keep an int3: the agent is then `stuck` and keeps its handler
 * and sites[] (threads there stay held, which is safe, never run half an instruction), refuses new batches and
 * tries the roll-back again at each later write; nothing puts the program's SIGTRAP action back meanwhile.
 * No thread is signalled: a thread blocked in nanosleep, epoll_wait, poll or select cannot see EINTR because of us.
 *
 * A thread that meets an int3 with SIGTRAP blocked is killed (the kernel forces a blocked trap signal to its default
 * action). So the handler runs with SIGTRAP unblocked (SA_NODEFER, not in its mask): a parked thread that a program
 * handler takes to a site, or the program's SIGTRAP handler called from ours, traps again and waits too. While
 * parked it calls no libc (raw futex), since a site may lie there. The agent declines (ENOTSUP: the engine stops the
 * threads instead) when a thread's mask holds SIGTRAP, or any installed handler's sa_mask does (sigfillset), just
 * before the first int3. Remaining window: masks are read once; a thread that blocks SIGTRAP itself
 * (pthread_sigmask/sigprocmask with a full set) after that read, and calls a site before the batch is whole, dies.
 *
 * fork() copies the text: the agent's atfork handlers make a fork wait until the batch is whole and a batch wait
 * for forks under way, and give the child the program's SIGTRAP action back (see fork_prepare for what is left).
 *
 * The agent is inside the process: a tfix CLI killed mid-command cannot leave an int3 unhandled, since the agent
 * finishes the batch or rolls it back whatever happens to its peer (the request is read whole before any byte).
 *
 * Putting the program's SIGTRAP action back: a thread can have executed an int3 and still be inside the kernel's
 * trap path, its signal not yet queued. Such a thread is runnable (it never sleeps there). Once queued, the signal's
 * action is chosen only when the thread takes it, and before that the thread may be stopped (job control, a
 * debugger: T, t) or frozen (cgroup freezer). The action is put back only once no thread of the process has SIGTRAP
 * pending (SigPnd, ShdPnd), and every thread has been seen asleep but not stopped, or has run 100 us of its own CPU
 * time since the last barrier (the trap path takes a few us: it is then past it, in our handler or out of it), or
 * has gone; more than MAX_TASKS threads is never quiet. Remaining window: the 100 us rule is a bound, not a proof
 * (a trap path stretched past 100 us of the thread's CPU, e.g. by task_work or a tracer, before its SIGTRAP is
 * queued, would be called past it). A SIGTRAP the program keeps blocked and pending keeps the handler in place.
 * The program's action is read before ours goes in (a trap of its own in between finds it, not zeros). If the
 * program sets a SIGTRAP action of its own while ours stays, the next batch takes that as the program's and puts
 * ours back, and a restore leaves the program's new one in place. Remaining: a change made between our read and our
 * write of the action (two system calls apart) is lost, and a program that replaces our handler while a thread is
 * still on its way from an int3 sends that thread to its handler.
 * Until then the handler stays, passing on every SIGTRAP that is not ours: a write waits 1 s for it, then the
 * control thread tries again (20 ms each) after its reply, before every request and every 100 ms while idle
 * (nostop_settle, nostop_unsettled); a write that finds it still in place after 1 s declines (ENOTSUP: the engine
 * writes in a stop), keeping sites[] for a late thread.
 *
 * Between the first int3 and the last barrier the control thread calls no libc function (raw system calls only): it
 * must not run code that a site being written may lie in.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
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

#define MAX_SITES 256
#define MAX_TASKS 4096
#define INT3 0xcc
/* How long a write waits for threads to show they are past the trap path (its reply waits that long at most), and
 * a settle (before each request, and every 100 ms from the control loop while the handler stays). */
#define BATCH_QUIET_MS 1000
#define SETTLE_MS 20

struct two {
    uint64_t address;
    uint8_t before[2], after[2];
};

static struct two sites[MAX_SITES];
static _Atomic uint32_t site_count;
/* 1 while a batch is being written: threads trapped at a site wait; 0 once every site is whole. */
static _Atomic int trap_holding, trap_inside, trapped;
static struct sigaction program_trap;
static int trap_installed, barrier_state; /* 0 unknown, 1 registered, -1 unavailable */
/* 1 after a roll-back that failed: a site may still hold an int3 of ours. Until a later roll-back succeeds the
 * handler stays, threads at the sites stay held, sites[] is kept (a new batch is refused) and nothing settles. */
static _Atomic int stuck;
/* Threads between fork's prepare and parent handlers: a batch starts only at 0, a fork only with no batch held. */
static _Atomic int forking;

static long raw6(long n, long a, long b, long c, long d) {
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}

static int barrier(void) {
    return raw6(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0, 0) == 0 ? 0 : -1;
}

static int put(uint64_t address, const uint8_t *bytes, long n) {
    return raw6(SYS_pwrite64, memory_fd(), (long) bytes, n, (long) address) == n ? 0 : -1;
}

static int get(uint64_t address, uint8_t *bytes, long n) {
    return raw6(SYS_pread64, memory_fd(), (long) bytes, n, (long) address) == n ? 0 : -1;
}

/* fork() copies the text: a child made during a batch would keep int3s with no control thread to release them.
 * fork waits until the batch is whole (unless stuck: then the child may hold int3s, the one case left), and a
 * batch waits for forks under way (await_forks). vfork, posix_spawn and raw clone run no atfork handler. */
static void fork_prepare(void) {
    for (;;) {
        while (atomic_load(&trap_holding) && !stuck) {
            raw6(SYS_futex, (long) &trap_holding, FUTEX_WAIT_PRIVATE, 1, 0);
        }
        atomic_fetch_add(&forking, 1);
        if (!atomic_load(&trap_holding) || stuck) {
            return;
        }
        atomic_fetch_sub(&forking, 1); /* a batch began meanwhile: let it, fork after it */
        raw6(SYS_futex, (long) &forking, FUTEX_WAKE_PRIVATE, 1 << 30, 0);
    }
}

static void fork_parent(void) {
    atomic_fetch_sub(&forking, 1);
    raw6(SYS_futex, (long) &forking, FUTEX_WAKE_PRIVATE, 1 << 30, 0);
}

/* The child has no control thread: it gets the program's SIGTRAP action back (its text is whole: fork waited). */
static void restore_trap(void);

static void fork_child(void) {
    atomic_store(&forking, 0);
    if (trap_installed && !stuck) {
        restore_trap();
    }
}

/* With trap_holding set: 0 once no fork is under way (they then wait for the batch), -1 after 1 s of forks. */
static int await_forks(void) {
    struct timespec start, now, step = {0, 1000000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int seen; (seen = atomic_load(&forking)) != 0;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= 1) {
            return -1;
        }
        raw6(SYS_futex, (long) &forking, FUTEX_WAIT_PRIVATE, seen, (long) &step);
    }
    return 0;
}

/* Whether SYNC_CORE barriers can be had here (asked once, registered once). */
int nostop_available(void) {
    if (barrier_state == 0) {
        long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        barrier_state = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)
                && syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0
                && pthread_atfork(fork_prepare, fork_parent, fork_child) == 0 ? 1 : -1;
    }
    return barrier_state == 1;
}

static void on_trap(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    uint64_t pc = (uint64_t) uc->uc_mcontext.gregs[REG_RIP];
    int ours = 0;
    if (info->si_code == SI_KERNEL) {
        for (uint32_t i = 0, n = atomic_load(&site_count); i < n && !ours; i++) {
            ours = sites[i].address == pc - 1;
        }
    }
    if (!ours) { /* the program's own trap: its action, as if we were not here */
        if (program_trap.sa_flags & SA_SIGINFO) {
            program_trap.sa_sigaction(sig, info, context);
        } else if (program_trap.sa_handler != SIG_IGN && program_trap.sa_handler != SIG_DFL) {
            program_trap.sa_handler(sig);
        } else if (program_trap.sa_handler == SIG_DFL) {
            sigaction(SIGTRAP, &program_trap, NULL);
            raise(SIGTRAP);
        }
        return;
    }
    /* No libc here (a site may lie in it): atomics are inline, the futex a raw system call, which leaves errno be. */
    atomic_fetch_add(&trap_inside, 1);
    atomic_fetch_add(&trapped, 1);
    while (atomic_load(&trap_holding)) {
        raw6(SYS_futex, (long) &trap_holding, FUTEX_WAIT_PRIVATE, 1, 0);
    }
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t) (pc - 1); /* the site again: now a whole instruction, old or new */
    atomic_fetch_sub(&trap_inside, 1);
}

/* Every site holds `after` (or `before`), read back; the index of the first that does not, else -1. */
static long differs(uint32_t n, int after) {
    for (uint32_t i = 0; i < n; i++) {
        uint8_t now[2];
        const uint8_t *want = after ? sites[i].after : sites[i].before;
        if (get(sites[i].address, now, 2) != 0 || now[0] != want[0] || now[1] != want[1]) {
            return i;
        }
    }
    return -1;
}

/* The three steps to `after` (or `before`) on every site; -1 (and where) at the first write or barrier that failed. */
static int switch_all(uint32_t n, int to_after, uint32_t *failed) {
    static const uint8_t int3 = INT3;
    for (uint32_t i = 0; i < n; i++) {
        if (put(sites[i].address, &int3, 1) != 0) {
            *failed = i;
            return -1;
        }
    }
    if (barrier() != 0) {
        *failed = 0;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *b = to_after ? sites[i].after : sites[i].before;
        if (put(sites[i].address + 1, b + 1, 1) != 0) {
            *failed = i;
            return -1;
        }
    }
    if (barrier() != 0) {
        *failed = 0;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *b = to_after ? sites[i].after : sites[i].before;
        if (put(sites[i].address, b, 1) != 0) {
            *failed = i;
            return -1;
        }
    }
    return barrier();
}

/* Puts `before` back wherever a failed switch_all left anything else, by the same three steps, but only on sites
 * that do not hold `before` already and only past an int3 of ours that was written (a site whose int3 cannot be
 * written is left as it is: changing its second byte under a live first one could be seen torn). Carries on past a
 * failing site so every other one is made whole. 0 when every site reads back `before`, the last barrier done. */
static int roll_back(uint32_t n, uint32_t *failed) {
    static const uint8_t int3 = INT3;
    uint8_t held[MAX_SITES];
    for (uint32_t i = 0; i < n; i++) {
        uint8_t now[2];
        held[i] = 0;
        if (get(sites[i].address, now, 2) == 0 && now[0] == sites[i].before[0] && now[1] == sites[i].before[1]) {
            continue;
        }
        held[i] = put(sites[i].address, &int3, 1) == 0;
    }
    if (barrier() != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (held[i] && put(sites[i].address + 1, sites[i].before + 1, 1) != 0) {
            held[i] = 0; /* its int3 stays: a thread there waits, it never runs a torn instruction */
        }
    }
    if (barrier() != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (held[i]) {
            put(sites[i].address, sites[i].before, 1);
        }
    }
    long bad = barrier() == 0 ? differs(n, 0) : 0;
    *failed = bad < 0 ? 0 : (uint32_t) bad;
    return bad < 0 ? 0 : -1;
}

static uint64_t runtime_ns(int tid) {
    char path[64], text[128];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
    return read_small_file(path, text, sizeof text) < 0 ? 0 : strtoull(text, NULL, 10);
}

static int has_trap(const char *text, const char *field) {
    const char *at = strstr(text, field);
    return at != NULL && (strtoull(at + strlen(field), NULL, 16) & (1ull << (SIGTRAP - 1))) != 0;
}

/* The thread's state letter and whether SIGTRAP is pending for it (its own set or the process's); -1 once gone. */
static int status_of(int tid, char *state, int *trap_pending) {
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    if (read_small_file(path, text, sizeof text) < 0) {
        return -1;
    }
    const char *st = strstr(text, "\nState:");
    *state = '?';
    for (st = st ? st + 7 : NULL; st && (*st == ' ' || *st == '\t'); st++) {
    }
    if (st && *st) {
        *state = *st;
    }
    *trap_pending = has_trap(text, "\nSigPnd:") || has_trap(text, "\nShdPnd:");
    return 0;
}

/* See the header comment: 0 once no thread can still be on its way from one of our int3s into the handler; -1 if
 * that is not shown within wait_ms. */
static int await_quiet(long wait_ms) {
    static int tids[MAX_TASKS];
    static uint64_t ran[MAX_TASKS];
    static uint8_t past[MAX_TASKS];
    int n = 0, over = 0, self = (int) syscall(SYS_gettid);
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        int tid = atoi(e->d_name);
        if (tid > 0 && tid != self) {
            if (n == MAX_TASKS) {
                over = 1; /* threads we cannot follow: never called quiet */
                break;
            }
            tids[n] = tid;
            past[n] = 0;
            ran[n++] = runtime_ns(tid);
        }
    }
    if (d) {
        closedir(d);
    }
    if (d == NULL || over) {
        return -1;
    }
    struct timespec start, now, pause = {0, 200000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int left = 0, pending = 0;
        for (int i = 0; i < n; i++) {
            char s;
            int p;
            if (tids[i] == 0 || status_of(tids[i], &s, &p) != 0) {
                tids[i] = 0; /* gone */
                continue;
            }
            /* A SIGTRAP queued and not yet taken: the action is chosen when it is taken, so it must still be ours.
             * Stopped (T, t) is not asleep: job control or a debugger can stop a thread between trap and take. */
            pending |= p;
            if (!past[i]) {
                past[i] = (s != 'R' && s != 'T' && s != 't') || runtime_ns(tids[i]) >= ran[i] + 100000u;
            }
            left += !past[i];
        }
        if (left == 0 && !pending && atomic_load(&trap_inside) == 0) {
            return 0;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >= wait_ms) {
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

static int ours_now(void) {
    struct sigaction now;
    return sigaction(SIGTRAP, NULL, &now) == 0 && (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_trap;
}

/* Our handler in place for a batch. program_trap is read before ours goes live (a foreign trap in between finds the
 * program's action, not zeros); if the program set another action while ours stayed (after a time-out), that one
 * becomes the program's and ours goes back in. */
static void install_trap(void) {
    struct sigaction was, ours = {0};
    if (trap_installed && ours_now()) {
        return;
    }
    sigaction(SIGTRAP, NULL, &was);
    program_trap = was;
    ours.sa_sigaction = on_trap;
    /* SA_NODEFER and no SIGTRAP in the mask: a parked thread that runs a program handler which reaches a site,
     * or the program's own SIGTRAP handler called from ours reaching one, must meet the int3 with SIGTRAP
     * unblocked (a blocked forced trap is reset to its default action: a core dump). */
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER;
    ours.sa_mask = was.sa_mask;
    sigdelset(&ours.sa_mask, SIGTRAP);
    sigaction(SIGTRAP, &ours, NULL);
    trap_installed = 1;
}

/* The program's action back, unless the program set one of its own meanwhile: that one stays. */
static void restore_trap(void) {
    if (ours_now()) {
        sigaction(SIGTRAP, &program_trap, NULL);
    }
    trap_installed = 0;
}

/* Whether a write left the agent's handler in place, to be put back by a later nostop_settle (not while stuck). */
int nostop_unsettled(void) {
    return trap_installed && !stuck;
}

/* Puts the program's SIGTRAP action back if a write left the agent's handler installed (threads were slow to
 * show they were past the trap path): called before every request. */
void nostop_settle(void) {
    if (nostop_unsettled() && atomic_load(&trap_inside) == 0 && await_quiet(SETTLE_MS) == 0) {
        restore_trap();
    }
}

/* A thread with SIGTRAP blocked that met an int3 would be killed: the kernel forces a blocked trap signal to its
 * default action. The tid of the first such thread, or 0. A program that blocks every signal in its threads (to
 * take them with sigwait) is written with the stop instead. */
static int blocks_trap(void) {
    int self = (int) syscall(SYS_gettid), found = 0;
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d && (e = readdir(d)) != NULL && found == 0;) {
        char path[64], text[4096];
        int tid = atoi(e->d_name);
        snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
        if (tid <= 0 || tid == self || read_small_file(path, text, sizeof text) < 0) {
            continue;
        }
        const char *blk = strstr(text, "\nSigBlk:");
        if (blk != NULL && (strtoull(blk + 8, NULL, 16) & (1ull << (SIGTRAP - 1))) != 0) {
            found = tid;
        }
    }
    if (d) {
        closedir(d);
    }
    return found;
}

/* The first signal whose handler runs with SIGTRAP blocked (its sa_mask holds it, as sigfillset makes it), or 0: a
 * thread in such a handler during the window that calls a site would be killed, and masks read from /proc are only
 * a moment's. SIGTRAP's own action is ours during the window, so it is not asked. */
static int handler_blocks_trap(void) {
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction a;
        if (sig == SIGTRAP || sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &a) != 0) {
            continue;
        }
        int handled = (a.sa_flags & SA_SIGINFO) ? a.sa_sigaction != NULL
                : a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN;
        if (handled && sigismember(&a.sa_mask, SIGTRAP) == 1) {
            return sig;
        }
    }
    return 0;
}

static int parse(const uint8_t *in, size_t n, uint32_t *count, struct tfix_reply *r) {
    if (n < 4) {
        return reply_fail(r, EINVAL, "NOSTOP_WRITE payload is malformed");
    }
    memcpy(count, in, 4);
    if (*count == 0 || *count > MAX_SITES || n != 4 + (size_t) *count * 16) {
        return reply_fail(r, EINVAL, "NOSTOP_WRITE payload is malformed");
    }
    for (uint32_t i = 0; i < *count; i++) {
        const uint8_t *at = in + 4 + (size_t) i * 16;
        uint32_t length;
        memcpy(&sites[i].address, at, 8);
        memcpy(&length, at + 8, 4);
        memcpy(sites[i].before, at + 12, 2);
        memcpy(sites[i].after, at + 14, 2);
        if (length != 2 || (sites[i].address & 1) != 0) {
            return reply_fail(r, EINVAL, "NOSTOP_WRITE writes 2 bytes at an even address, not %u at %#lx", length,
                    (unsigned long) sites[i].address);
        }
    }
    return 0;
}

void nostop_write(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint32_t count = 0;
    if (!nostop_available()) {
        reply_fail(r, ENOTSUP, "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) is not available here");
        return;
    }
    uint32_t undo_failed = 0;
    if (stuck) { /* the last batch's roll-back failed: try it again, take nothing new until it holds */
        if (roll_back(atomic_load(&site_count), &undo_failed) != 0) {
            reply_fail(r, EIO, "a failed roll-back left an int3 at %#lx (threads there stay held) and it fails again;"
                    " nothing was changed", (unsigned long) sites[undo_failed].address);
            return;
        }
        stuck = 0;
        atomic_store(&trap_holding, 0);
        raw6(SYS_futex, (long) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, 0);
    }
    if (atomic_load(&trap_inside) != 0 || (trap_installed && await_quiet(BATCH_QUIET_MS) != 0)) {
        /* sites[] must stay as it is for a thread still on its way; a write in a stop needs none of it. */
        reply_fail(r, ENOTSUP, "a thread may not yet have left the last write's trap handler: written in a stop"
                " instead; nothing was changed");
        return;
    }
    atomic_store(&site_count, 0);
    if (parse(in, n, &count, r) != 0) {
        return;
    }
    if (differs(count, 0) >= 0) {
        long i = differs(count, 1) < 0 ? -1 : differs(count, 0);
        if (i < 0) {
            uint64_t zero = 0;
            reply_add(r, &zero, 8);
            return; /* every site holds its new bytes already */
        }
        reply_fail(r, EAGAIN, "the bytes at %#lx changed since they were checked; nothing was changed",
                (unsigned long) sites[i].address);
        return;
    }
    int blocking = blocks_trap();
    if (blocking != 0) {
        reply_fail(r, ENOTSUP, "thread %d blocks SIGTRAP: an int3 would kill it; nothing was changed", blocking);
        return;
    }
    int masking = handler_blocks_trap();
    if (masking != 0) {
        reply_fail(r, ENOTSUP, "the handler of signal %d blocks SIGTRAP: an int3 met inside it would kill the thread;"
                " nothing was changed", masking);
        return;
    }
    install_trap();
    atomic_store(&trap_holding, 1);
    if (await_forks() != 0) {
        atomic_store(&trap_holding, 0);
        syscall(SYS_futex, (int *) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, NULL, NULL, 0);
        reply_fail(r, ENOTSUP, "a fork stayed under way for 1 s: written in a stop instead; nothing was changed");
        return;
    }
    atomic_store(&trapped, 0);
    atomic_store(&site_count, count);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t failed = 0;
    int wrote = switch_all(count, 1, &failed) == 0 && differs(count, 1) < 0;
    int whole = wrote || roll_back(count, &undo_failed) == 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stuck = !whole;
    if (stuck) { /* a fork waiting for the batch goes on (see fork_prepare); parked threads wait again */
        raw6(SYS_futex, (long) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, 0);
    }
    if (whole) {
        atomic_store(&trap_holding, 0);
        syscall(SYS_futex, (int *) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, NULL, NULL, 0);
        if (await_quiet(BATCH_QUIET_MS) == 0) {
            restore_trap();
        }
    }
    uint64_t ns = (uint64_t) (t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t) (t1.tv_nsec - t0.tv_nsec);
    if (wrote) {
        uint32_t met = (uint32_t) atomic_load(&trapped); /* threads that met an int3 of this batch and waited */
        reply_add(r, &ns, 8);
        reply_add(r, &met, 4);
    } else if (whole) {
        reply_fail(r, EIO, "writing or reading back the 2 bytes at %#lx failed; every site rolled back",
                (unsigned long) sites[failed].address);
    } else {
        /* Threads stay parked at an int3 rather than run half an instruction: nothing else is safe. The handler
         * stays (stuck); the next NOSTOP_WRITE tries the roll-back again first. */
        reply_fail(r, EIO, "the roll-back at %#lx failed too: threads at the sites stay held until a later roll-back"
                " succeeds (the agent tries again at the next write)", (unsigned long) sites[undo_failed].address);
    }
}
