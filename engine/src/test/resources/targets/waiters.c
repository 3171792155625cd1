/* Two threads parked in one kind of wait without a time-out (argv[1]: read, poll, pause or
 * epoll), printing "EINTR <call>" whenever the call fails with EINTR. argv[2] sets what
 * SIGWINCH does: default (ignored), ignore (SIG_IGN), restart (a handler, SA_RESTART) or
 * plain (a handler without SA_RESTART). The main thread prints "alive N" every 50 ms. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static const char *call;
static volatile sig_atomic_t handled;
static pid_t tids[2];

static void on_winch(int sig) {
    (void)sig;
    handled++;
}

static void eintr(void) {
    printf("EINTR %s\n", call);
}

static void *waiter(void *arg) {
    int idx = (int)(long)arg;
    int fds[2];
    if (pipe(fds) != 0) exit(2);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[0]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
    tids[idx] = gettid();
    for (;;) {
        int r;
        char c;
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (!strcmp(call, "read")) r = (int)read(fds[0], &c, 1);
        else if (!strcmp(call, "poll")) r = poll(&p, 1, -1);
        else if (!strcmp(call, "pause")) r = pause();
        else r = epoll_wait(ep, &ev, 1, -1);
        if (r < 0 && errno == EINTR) eintr();
    }
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    call = argc > 1 ? argv[1] : "read";
    const char *mode = argc > 2 ? argv[2] : "default";
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = !strcmp(mode, "ignore") ? SIG_IGN : !strcmp(mode, "default") ? SIG_DFL : on_winch;
    sa.sa_flags = !strcmp(mode, "restart") ? SA_RESTART : 0;
    sigaction(SIGWINCH, &sa, NULL);
    pthread_t t;
    for (long i = 0; i < 2; i++) pthread_create(&t, NULL, waiter, (void *)i);
    while (!tids[0] || !tids[1]) usleep(1000);
    printf("ready pid=%d tids %d %d\n", getpid(), tids[0], tids[1]);
    for (long n = 1;; n++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        while (nanosleep(&ts, &ts) != 0) {
        }
        printf("alive %ld handled %d\n", n, (int)handled);
    }
}
