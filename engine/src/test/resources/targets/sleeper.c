/* Main thread sleeps 200 ms at a time and reports any short or failed sleep;
 * a second thread blocks in read() on a pipe nobody writes to and reports any return. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];

static void *reader(void *arg) {
    (void)arg;
    char c;
    for (;;) {
        ssize_t n = read(pipefd[0], &c, 1);
        if (n < 0) printf("read error %s\n", strerror(errno));
        else printf("read returned %zd\n", n);
    }
    return NULL;
}

int compute(int x) {
    return x * 2;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pipefd) != 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    printf("ready pid=%d\n", getpid());
    for (long i = 0;; i++) {
        struct timespec a, b, req = {0, 200 * 1000000L};
        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = nanosleep(&req, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
        if (r != 0) printf("nanosleep error %s\n", strerror(errno));
        if (ms < 199) printf("short sleep %ld\n", ms);
        printf("tick %ld compute=%d\n", i, compute(21));
    }
}
