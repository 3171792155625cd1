/* Four threads allocating and freeing blocks large enough that malloc calls mmap and munmap
 * (and small ones that move brk), so at any instant some thread is inside malloc or free
 * in a system call, holding its arena's lock. No thread ever waits anywhere safer. work() is
 * what tests replace (argv[1] names another allocator to preload); the main thread allocates too, without pause, and prints "round N work=W"
 * every 20 ms. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x) {
    volatile int k = 2;
    return x * k;
}

static void *allocator(void *arg) {
    size_t big = (size_t)(long)arg;
    for (unsigned n = 0;; n++) {
        char *p = malloc(big + (n % 7) * 4096);
        if (!p) abort();
        memset(p, (int)n, 64);
        char *q = malloc(64 + n % 512);
        free(p);
        free(q);
    }
    return NULL;
}

int main(int argc, char **argv) {
    /* argv[1]: another allocator to run with (LD_PRELOAD), set by running this program again. */
    if (argc > 1 && !getenv("LD_PRELOAD")) {
        setenv("LD_PRELOAD", argv[1], 1);
        execv("/proc/self/exe", argv);
        return 3;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* A fixed threshold: every large block is mmapped inside malloc, under the arena's lock. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    pthread_t t;
    for (long i = 0; i < 4; i++) pthread_create(&t, NULL, allocator, (void *)(long)((256 + i * 64) * 1024));
    printf("ready pid=%d\n", getpid());
    struct timespec last, now;
    clock_gettime(CLOCK_MONOTONIC, &last);
    for (int round = 1;;) {
        free(malloc(300 * 1024)); /* the main thread too: nowhere safer to borrow */
        volatile int w = work(21);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - last.tv_sec) * 1000000000L + (now.tv_nsec - last.tv_nsec) >= 20 * 1000 * 1000) {
            printf("round %d work=%d\n", round++, w);
            last = now;
        }
    }
}
