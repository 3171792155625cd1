/*
 * Guards of the no-stop write, checked before its first int3: the membarrier it needs, forks (which copy the text),
 * and threads or handlers that would meet an int3 with SIGTRAP blocked (the kernel would kill them).
 *
 * fork() copies the text: the agent's atfork handlers make a fork wait until the batch is whole and a batch wait
 * for forks under way, and give the child the program's SIGTRAP action back (see fork_prepare for what is left).
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

#include "nostop.h"

static int barrier_state; /* 0 unknown, 1 registered, -1 unavailable */
/* Threads between fork's prepare and parent handlers: a batch starts only at 0, a fork only with no batch held. */
static _Atomic int forking;

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
static void fork_child(void) {
    atomic_store(&forking, 0);
    if (trap_installed && !stuck) {
        restore_trap();
    }
}

/* With trap_holding set: 0 once no fork is under way (they then wait for the batch), -1 after 1 s of forks. */
int await_forks(void) {
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

/* A thread with SIGTRAP blocked that met an int3 would be killed: the kernel forces a blocked trap signal to its
 * default action. The tid of the first such thread, or 0. A program that blocks every signal in its threads (to
 * take them with sigwait) is written with the stop instead. */
int blocks_trap(void) {
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
int handler_blocks_trap(void) {
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
