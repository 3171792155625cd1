/* A program tfix reaches through its agent (LD_PRELOAD=libtfix-agent.so). With "undumpable" it forbids ptrace
 * (PR_SET_DUMPABLE 0). Eight threads call hot() in a tight loop and check every answer is the old or the new one;
 * one thread blocks in read(), one in nanosleep(), one in epoll_wait(); the program has its own handlers for SIGUSR1
 * and SIGRTMAX and checks every tick that they are still its own. Anything wrong prints a line starting "BAD";
 * every 50 ms the main thread prints "tick N hot=H" with hot(1) (2 before the patch, 3 after). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static atomic_long calls;
static int pipefd[2], epfd;
static volatile sig_atomic_t usr1s;

__attribute__((noinline)) int hot(int x) {
    volatile int one = 1, zero = 0;
    return x + one + zero;
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0;; i++) {
        int x = i & 0xffff, r = hot(x);
        if (r != x + 1 && r != x + 2) printf("BAD result %d for %d\n", r, x);
        atomic_fetch_add(&calls, 1);
    }
    return NULL;
}

static void *reader(void *arg) {
    (void)arg;
    char c;
    for (;;) {
        ssize_t n = read(pipefd[0], &c, 1);
        printf("BAD read returned %zd (%s)\n", n, n < 0 ? strerror(errno) : "data");
    }
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    for (;;) {
        struct timespec req = {0, 30 * 1000000L};
        if (nanosleep(&req, NULL) != 0) printf("BAD nanosleep %s\n", strerror(errno));
    }
    return NULL;
}

static void *poller(void *arg) {
    (void)arg;
    for (;;) {
        struct epoll_event ev;
        if (epoll_wait(epfd, &ev, 1, 40) < 0) printf("BAD epoll_wait %s\n", strerror(errno));
    }
    return NULL;
}

static void own_handler(int sig) {
    if (sig == SIGUSR1) usr1s++;
}

static int still_own(int sig) {
    struct sigaction now;
    sigaction(sig, NULL, &now);
    return now.sa_handler == own_handler && (now.sa_flags & SA_RESTART);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "undumpable") == 0) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct sigaction sa = {0};
    sa.sa_handler = own_handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGRTMAX, &sa, NULL);
    if (pipe(pipefd) != 0 || (epfd = epoll_create1(0)) < 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, poller, NULL);
    for (int i = 0; i < 8; i++) pthread_create(&t, NULL, worker, NULL);
    printf("ready pid=%d\n", getpid());
    printf("dumpable=%d preload=%s\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0),
           getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "(none)");
    for (long tick = 0;; tick++) {
        struct timespec req = {0, 50 * 1000000L};
        if (nanosleep(&req, NULL) != 0) printf("BAD main nanosleep %s\n", strerror(errno));
        if (!still_own(SIGUSR1) || !still_own(SIGRTMAX)) printf("BAD a signal action changed\n");
        printf("tick %ld hot=%d calls=%ld usr1=%d\n", tick, hot(1), atomic_load(&calls), (int) usr1s);
    }
}
