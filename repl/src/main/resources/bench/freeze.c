/* Benchmark target: N worker threads call work() between 1 ms sleeps, as a server's
 * threads do; a watcher thread reads the clock every 200 us and prints, every 100 ms,
 * the longest gap it saw: how long the process was stopped, as the process sees it.
 * A 1 ms interval timer's handler measures the longest gap between its signals too:
 * how long a signal waited (for a tracer to pass it on, or for a stopped process). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x) {
    volatile int k = 3;
    return x * k + k + x;
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0;; i++) {
        work(i);
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static volatile long sig_last, sig_max;

static void on_alarm(int sig) {
    (void)sig;
    long now = now_ns();
    if (sig_last && now - sig_last > sig_max) sig_max = now - sig_last;
    sig_last = now;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 1;
    pthread_t t;
    for (int i = 0; i < n; i++) pthread_create(&t, NULL, worker, NULL);
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    printf("ready pid=%d\n", getpid());
    long last = now_ns(), window = last, max = 0;
    for (;;) {
        struct timespec ts = {0, 200000L};
        nanosleep(&ts, NULL);
        long now = now_ns();
        if (now - last > max) max = now - last;
        last = now;
        if (now - window >= 100000000L) {
            printf("gap t=%ld max_us=%ld sig_us=%ld\n", now, max / 1000, sig_max / 1000);
            max = 0;
            sig_max = 0;
            window = now;
        }
    }
}
