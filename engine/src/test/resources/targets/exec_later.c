/* Runs like a service until the file argv[1] appears, then replaces its program with argv[2] (execve): a
 * session attached before must notice the new image and write nothing into it with the old addresses.
 * A second thread makes the thread group change too. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

volatile int factor = 8;

__attribute__((noinline)) int compute(int x) {
    volatile int k = factor;
    return x * k + 1;
}

static void *idle(void *arg) {
    (void) arg;
    for (;;) {
        pause();
    }
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    if (argc < 3) {
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, idle, NULL);
    printf("before exec compute=%d\n", compute(5));
    for (;;) {
        if (access(argv[1], F_OK) == 0) {
            char *args[] = {argv[2], NULL};
            execv(argv[2], args);
            printf("execv failed\n");
            return 1;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
