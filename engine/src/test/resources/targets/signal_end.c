/* A target for calls that end with a signal (SignalEnd). argv[1]: "plain", "catch-urg" (a handler for SIGURG),
 * "catch-all" (handlers for SIGURG, SIGWINCH and SIGCHLD) or "block-all" (every thread blocks the three);
 * argv[2]: a FIFO that a reader thread blocks in read() on. The main thread ticks every 50 ms with how many
 * times each handler ran. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught[65];
static const char *fifo;

static void handler(int sig) {
    caught[sig]++;
}

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Called by tests from tfix: takes ms milliseconds, so that tfix can be killed while it runs. */
int slow_call(int ms) {
    printf("slow_call started\n");
    pause_ms(ms);
    printf("slow_call done\n");
    return 42;
}

int answer(int x) {
    return x + 1;
}

static void *reader(void *arg) {
    (void)arg;
    int fd = open(fifo, O_RDWR); /* read-write: open does not wait for a writer */
    char buf[16];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) printf("read error %s\n", strerror(errno));
        else printf("read %zd %.*s\n", n, (int)n, buf);
    }
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) return 2;
    fifo = argv[2];
    int sigs[] = {SIGURG, SIGWINCH, SIGCHLD};
    for (int i = 0; i < 3; i++) {
        if (strcmp(argv[1], "catch-all") == 0 || (i == 0 && strcmp(argv[1], "catch-urg") == 0)) {
            struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_RESTART};
            sigaction(sigs[i], &sa, NULL);
        }
    }
    if (strcmp(argv[1], "block-all") == 0) {
        sigset_t set;
        sigemptyset(&set);
        for (int i = 0; i < 3; i++) sigaddset(&set, sigs[i]);
        pthread_sigmask(SIG_BLOCK, &set, NULL); /* the reader inherits it */
    }
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    printf("ready pid=%d\n", getpid());
    for (long i = 0;; i++) {
        pause_ms(50);
        printf("tick %ld urg=%d winch=%d chld=%d\n", i, (int)caught[SIGURG], (int)caught[SIGWINCH], (int)caught[SIGCHLD]);
    }
}
