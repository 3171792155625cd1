/* For the inspection verbs: the main thread spins in inner, called through main -> outer -> inner; a
 * second thread waits in pause() called through worker -> waiter. Built with and without frame pointers.
 * inner reads and writes the global spins (a RIP-relative operand); outer calls inner by name. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

volatile long spins;
volatile int stop;

__attribute__((noinline)) void inner(int n) {
    volatile int step = n; /* a local on the stack: with -fno-omit-frame-pointer, inner keeps a frame too */
    while (!stop) {
        spins += step;
    }
}

__attribute__((noinline)) int outer(int n) {
    inner(n);
    return (int) spins + n;
}

__attribute__((noinline)) void waiter(void) {
    for (;;) {
        pause();
    }
}

static void *worker(void *arg) {
    (void) arg;
    waiter();
    return NULL;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    printf("ready pid=%d\n", getpid());
    printf("spinning\n");
    fflush(stdout);
    return outer(1);
}
