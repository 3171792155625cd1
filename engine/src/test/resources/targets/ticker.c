/* A 1 ms interval timer whose SIGALRM handler measures the gap since its last run: a
 * signal held back (by a tracer that does not answer the thread's stop) shows as a long
 * gap. The main thread prints "window N max_us=M" every 100 ticks, then starts a new
 * window. compute() is what tests replace. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile long ticks, window_max;
static long last_ns;

__attribute__((noinline)) int compute(int x) {
    volatile int k = 3;
    return x * k;
}

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void on_alarm(int sig) {
    (void)sig;
    long now = now_ns();
    if (last_ns && now - last_ns > window_max) window_max = now - last_ns;
    last_ns = now;
    ticks++;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    printf("ready pid=%d\n", getpid());
    for (long window = 1;; window++) {
        long until = ticks + 100;
        while (ticks < until) pause();
        long m = window_max;
        window_max = 0;
        printf("window %ld max_us=%ld compute=%d\n", window, m / 1000, compute(7));
    }
}
