/* errno must survive tfix borrowing a thread. The worker sets errno once, then only computes and sleeps:
 * a successful nanosleep or printf leaves errno alone, so a change can only come from code tfix ran on the
 * thread (a patch's constructor, dlopen). It sleeps in a quiet wait while the main thread waits in a futex
 * (pthread_join), so the worker is the thread tfix borrows. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

volatile int factor = 8;

__attribute__((noinline)) int compute(int x) {
    volatile int k = factor;
    return x * k;
}

static void *worker(void *arg) {
    (void) arg;
    errno = 4242;
    int last = -1;
    for (unsigned long n = 0;; n++) {
        int v = compute(5);
        if (v != last) {
            printf("compute=%d\n", v);
            last = v;
        }
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
        int seen = errno;
        if (seen != 4242) {
            printf("errno changed to %d\n", seen);
            errno = 4242;
        } else if (n % 50 == 0) {
            printf("watch %lu errno=%d\n", n, seen);
        }
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    return 0;
}
