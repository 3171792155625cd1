/* Benchmark target for a saturated host: N threads that never sleep, so the machine's every core is busy with the
 * target itself; each calls work() now and then (always inside it, a replace would wait for them in vain).
 * Prints "ready pid=P" once all threads run. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x) {
    volatile int k = 3;
    return x * k + k + x;
}

static volatile int started;

static void *spinner(void *arg) {
    (void)arg;
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 0;; i++) {
        if ((i & 0xfffff) == 0) work((int)i);
        __asm__ volatile("" ::: "memory");
    }
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 64;
    pthread_t t;
    for (int i = 0; i < n; i++) pthread_create(&t, NULL, spinner, NULL);
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n) usleep(1000);
    printf("ready pid=%d\n", getpid());
    for (;;) pause();
}
