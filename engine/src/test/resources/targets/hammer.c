/* Eight threads call hot() in a tight loop and check every result is the old or the new
 * answer; a reader thread blocks in read(); the main thread sleeps 50 ms at a time and
 * reports any failed or shortened sleep. Anything wrong prints a line starting "BAD". */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_long calls, olds, news;
static int pipefd[2];

__attribute__((noinline)) int hot(int x) {
    volatile int one = 1, zero = 0;
    return x + one + zero;
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0;; i++) {
        int x = i & 0xffff;
        int r = hot(x);
        if (r == x + 1) atomic_fetch_add(&olds, 1);
        else if (r == x + 2) atomic_fetch_add(&news, 1);
        else printf("BAD result %d for %d\n", r, x);
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

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int workers = argc > 1 ? atoi(argv[1]) : 8;
    if (pipe(pipefd) != 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    for (int i = 0; i < workers; i++) pthread_create(&t, NULL, worker, NULL);
    printf("ready pid=%d\n", getpid());
    for (long tick = 0;; tick++) {
        struct timespec a, b, req = {0, 50 * 1000000L};
        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = nanosleep(&req, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        long us = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
        if (r != 0) printf("BAD nanosleep %s\n", strerror(errno));
        if (us < 49900) printf("BAD short sleep %ld us\n", us);
        printf("tick %ld calls=%ld old=%ld new=%ld\n", tick, atomic_load(&calls), atomic_load(&olds), atomic_load(&news));
    }
}
