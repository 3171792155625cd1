/* Starts a few threads that call work(), then exits after the number of microseconds
 * given: tfix meets it exiting at every stage of an attach or a patch. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x) {
    volatile int k = 3;
    return x * k + k + x;
}

static void *worker(void *arg) {
    (void)arg;
    for (volatile int i = 0;; i++) work(i);
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    for (int i = 0; i < 4; i++) pthread_create(&t, NULL, worker, NULL);
    printf("ready pid=%d\n", getpid());
    usleep(argc > 1 ? atoi(argv[1]) : 1000);
    exit(0);
}
