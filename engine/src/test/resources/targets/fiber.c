/* A thread that runs on a small fiber stack carved out of a larger region (makecontext), with
 * a guard pattern in the region right below that stack: whatever is written there beyond the
 * red zone is somebody else's memory. The fiber sleeps 1 ms at a time (the thread tfix likes
 * to borrow), checks the pattern, and prints "fiber N compute=C" every 100 rounds; a broken
 * pattern prints "BAD guard". compute() is what tests replace. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define GUARD (256 * 1024)
#define STACK (16 * 1024)
static unsigned char region[GUARD + STACK] __attribute__((aligned(4096)));
static ucontext_t home, fib;

__attribute__((noinline)) int compute(int x) {
    volatile int k = 3;
    return x * k;
}

static void fiber(void) {
    for (long n = 0;; n++) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
        if (n % 100 == 0) {
            for (int i = 0; i < GUARD; i++) {
                if (region[i] != 0xa5) {
                    printf("BAD guard broken at %d bytes below the fiber's stack\n", GUARD - i);
                    break;
                }
            }
            printf("fiber %ld compute=%d\n", n / 100, compute(7));
        }
    }
}

static void *runner(void *arg) {
    (void)arg;
    swapcontext(&home, &fib);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(region, 0xa5, GUARD);
    getcontext(&fib);
    fib.uc_stack.ss_sp = region + GUARD;
    fib.uc_stack.ss_size = STACK;
    fib.uc_link = NULL;
    makecontext(&fib, fiber, 0);
    pthread_t t;
    pthread_create(&t, NULL, runner, NULL);
    printf("ready pid=%d\n", getpid());
    for (;;) pause();
}
