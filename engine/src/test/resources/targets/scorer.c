/* A small service: a loop that calls compute() and prints the result whenever it changes.
 * Built as PIE or non-PIE by the tests; compute_static exercises a local symbol. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

volatile int factor = 8;

__attribute__((noinline)) int compute(int x) {
    int r = x;
    for (int i = 0; i < factor; i++) r += x * (i & 1 ? 1 : 0) - (i & 1 ? 1 : 0) * x;
    return r * factor;
}

__attribute__((noinline)) static int compute_static(int x) {
    volatile int k = 3;
    return x * k + 1;
}

/* Never called: tests change its bytes as another tool would. */
__attribute__((noinline)) int spare(int x) {
    volatile int k = 5;
    return x * k + k * k + x;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    int last = -1, last_s = -1;
    for (;;) {
        int v = compute(5), s = compute_static(5);
        if (v != last || s != last_s) {
            printf("compute=%d static=%d\n", v, s);
            last = v;
            last_s = s;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
