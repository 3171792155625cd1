/*
 * KICK: tfix restart's old program stops accepting through the agent. After its listening fd was replaced by a
 * stand-in, a thread already blocked in accept (or a receive) on the real socket holds that socket until the call
 * returns. A signal whose handler has SA_RESTART makes the kernel issue that call again (ERESTARTSYS), and the
 * new call looks the fd up anew: it finds the stand-in. Unlike nanosleep, poll or epoll_wait, accept and the
 * receives are restarted unseen, unless the socket has a receive time-out (SO_RCVTIMEO: then EINTR), which tfix
 * checks first and which needs no kick (the call returns by itself within it).
 *
 * The signal is the agent's real-time one (one the program leaves at its default), handled only for the kick and
 * put back once the thread has run the handler. Remaining window: the thread's place is read just before the
 * signal is sent; a thread that leaves accept in those microseconds (a client came) and enters a call that is not
 * restarted (nanosleep, poll, epoll_wait) would see EINTR once. tfix kicks only the threads it found in accept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tfix_agent.h"

static _Atomic int handled;

static void on_kick(int sig) {
    (void) sig;
    atomic_fetch_add(&handled, 1);
}

/* Whether thread tid waits right now in accept, accept4, recvfrom or recvmsg on fd. */
static int waits_on(uint32_t tid, int fd) {
    char path[64], line[512];
    long nr;
    unsigned long a0;
    snprintf(path, sizeof path, "/proc/self/task/%u/syscall", tid);
    if (read_small_file(path, line, sizeof line) < 0 || sscanf(line, "%ld %lx", &nr, &a0) != 2) {
        return 0;
    }
    return (nr == SYS_accept || nr == SYS_accept4 || nr == SYS_recvfrom || nr == SYS_recvmsg) && (int) a0 == fd;
}

/* payload: u32 tid, i32 fd -> u32 1 when kicked, 0 when it no longer waited there (nothing sent) */
void kick_thread(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint32_t tid, none = 0, one = 1;
    int fd;
    if (n != 8) {
        reply_fail(r, EINVAL, "KICK payload is malformed");
        return;
    }
    memcpy(&tid, in, 4);
    memcpy(&fd, in + 4, 4);
    int sig = pick_signal(r);
    if (sig < 0) {
        return;
    }
    struct sigaction was, ours = {0};
    if (sigaction(sig, NULL, &was) != 0 || was.sa_handler != SIG_DFL) {
        reply_fail(r, EBUSY, "signal %d is not at its default (a stop still holds it): thread %u not kicked", sig, tid);
        return;
    }
    ours.sa_handler = on_kick;
    ours.sa_flags = SA_RESTART;
    sigfillset(&ours.sa_mask);
    sigaction(sig, &ours, NULL);
    int before = atomic_load(&handled);
    if (!waits_on(tid, fd)) {
        sigaction(sig, &was, NULL);
        reply_add(r, &none, 4);
        return;
    }
    if (syscall(SYS_tgkill, getpid(), tid, sig) != 0) {
        sigaction(sig, &was, NULL);
        reply_add(r, &none, 4); /* gone meanwhile */
        return;
    }
    struct timespec step = {0, 100000};
    for (int i = 0; i < 10000 && atomic_load(&handled) == before; i++) {
        nanosleep(&step, NULL);
    }
    if (atomic_load(&handled) == before) {
        /* Putting the default back now would let the pending signal kill the process: the handler stays. */
        reply_fail(r, ETIMEDOUT, "thread %u did not take signal %d within 1 s; its handler stays in place", tid, sig);
        return;
    }
    sigaction(sig, &was, NULL);
    reply_add(r, &one, 4);
}
