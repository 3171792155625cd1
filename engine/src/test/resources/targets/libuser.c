/* Uses a function from libshared.so; also defines its own dup_fn, so the name is ambiguous. */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int lib_compute(int x);

__attribute__((noinline)) int dup_fn(int x) {
    volatile int k = 1;
    return x + k + k + k;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    int last = -1;
    for (;;) {
        int v = lib_compute(3) + dup_fn(0) * 0;
        if (v != last) {
            printf("lib_compute=%d\n", v);
            last = v;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
