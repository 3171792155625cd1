/*
 * The trap window of the no-stop write: the SIGTRAP handler that parks a thread meeting one of our int3s until
 * its site is whole, installed for the window only, and the judgement of when the program's action can go back.
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

/* How long a settle (before each request, and every 100 ms from the control loop while the handler stays) waits for
 * threads to show they are past the trap path. */
#define SETTLE_MS 20

static struct sigaction program_trap;

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
int await_quiet(long wait_ms) {
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
void install_trap(void) {
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
void restore_trap(void) {
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
