/* Benchmark target: calls f() in a loop and prints calls per second every 200 ms. */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int f(int x) {
    int y = x * 3 + 1;
    y ^= y >> 3;
    y += x << 2;
    return y ^ 0x55;
}

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    volatile int sink = 0;
    for (;;) {
        long t0 = now_ns(), calls = 0;
        while (now_ns() - t0 < 200000000L) {
            for (int i = 0; i < 100000; i++) sink += f(i);
            calls += 100000;
        }
        printf("rate t=%ld calls_per_s=%ld\n", now_ns(), calls * 1000000000L / (now_ns() - t0));
    }
}
