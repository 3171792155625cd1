/*
 * A stream of signals to one thread while tfix is attached (IdleForwardTest): SIGALRM from a 1 ms timer, and
 * SIGRTMIN queued every 1 ms by a sender thread, each carrying its sequence number (real-time signals queue: none
 * is merged, and they arrive in the order sent). The main thread alone takes them (the others block every
 * signal) and counts; a reporter prints the counts every 5 ms. SIGUSR2 ends the stream; once every queued signal
 * has arrived (or 5 s passed) it prints "done" with the final counts.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_long alarms, sent, got, disorder, last_value;
static atomic_int stop;

static void on_alarm(int sig) {
    (void) sig;
    alarms++;
}

static void on_rt(int sig, siginfo_t *si, void *ctx) {
    (void) sig;
    (void) ctx;
    long v = si->si_value.sival_int;
    if (v != last_value + 1) disorder++;
    last_value = v;
    got++;
}

static void on_usr2(int sig) {
    (void) sig;
    stop = 1;
}

static void *sender(void *arg) {
    (void) arg;
    struct timespec ms = {0, 1000000};
    while (!stop) {
        union sigval v = {.sival_int = (int) (sent + 1)};
        if (sigqueue(getpid(), SIGRTMIN, v) == 0) sent++; /* EAGAIN (queue full): not sent, not counted */
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static void *reporter(void *arg) {
    (void) arg;
    struct timespec tick = {0, 5000000};
    while (!stop) {
        printf("count alarms=%ld sent=%ld got=%ld disorder=%ld\n", (long) alarms, (long) sent, (long) got,
               (long) disorder);
        fflush(stdout);
        nanosleep(&tick, NULL);
    }
    for (int i = 0; i < 1000 && got < sent; i++) nanosleep(&tick, NULL);
    printf("done sent=%ld got=%ld disorder=%ld alarms=%ld\n", (long) sent, (long) got, (long) disorder, (long) alarms);
    fflush(stdout);
    return NULL;
}

static void handle(int sig, void (*plain)(int), void (*info)(int, siginfo_t *, void *)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_RESTART | (info ? SA_SIGINFO : 0);
    if (info) sa.sa_sigaction = info;
    else sa.sa_handler = plain;
    sigaction(sig, &sa, NULL);
}

int main(void) {
    sigset_t all;
    pthread_t s, r;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* the threads made now inherit it: only main takes signals */
    pthread_create(&s, NULL, sender, NULL);
    pthread_create(&r, NULL, reporter, NULL);
    handle(SIGALRM, on_alarm, NULL);
    handle(SIGRTMIN, NULL, on_rt);
    handle(SIGUSR2, on_usr2, NULL);
    pthread_sigmask(SIG_UNBLOCK, &all, NULL);
    struct itimerval every = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &every, NULL);
    printf("ready pid=%d\n", getpid());
    fflush(stdout);
    for (;;) pause();
}
