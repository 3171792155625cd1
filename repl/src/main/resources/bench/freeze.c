/* Benchmark target: N worker threads call work() between 1 ms sleeps, as a server's
 * threads do; a watcher thread reads the clock every 200 us and prints, every 100 ms,
 * the longest gap it saw: how long the process was stopped, as the process sees it.
 * A 1 ms interval timer's handler measures the longest gap between its signals too:
 * how long a signal waited (for a tracer to pass it on, or for a stopped process).
 * With "spin" after N: N threads in all, N-1 workers and the watcher spinning on the clock,
 * so that a gap it sees is the stop itself, not a sleep's wake-up rounded up. */
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
    int spin = argc > 2 && argv[2][0] == 's';
    pthread_t t;
    for (int i = 0; i < n - spin; i++) pthread_create(&t, NULL, worker, NULL);
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    printf("ready pid=%d work=%p\n", getpid(), (void *)work);
    long last = now_ns(), window = last, max = 0;
    for (;;) {
        struct timespec ts = {0, 200000L};
        if (!spin) nanosleep(&ts, NULL);
        long now = now_ns();
        if (now - last > max) max = now - last;
        last = now;
        if (now - window >= 100000000L) {
            /* snprintf and write, not printf: no stdio lock held while the line goes out, so a tracer
             * that stops this thread there can still borrow it for a call that takes locks. */
            char line[96];
            int len = snprintf(line, sizeof line, "gap t=%ld max_us=%ld sig_us=%ld\n", now, max / 1000, sig_max / 1000);
            if (write(1, line, len) != len) return 1;
            max = 0;
            sig_max = 0;
            window = now;
        }
    }
}
