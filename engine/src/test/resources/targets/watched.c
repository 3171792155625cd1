/* A service for tfix watch: main calls compute() before anything else and prints what it returned in its
 * ready line, so a test sees whether the patch was in place before the program's first call. Then it prints
 * every change. With "exit" as its argument it exits at once: a process gone right after its exec. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int compute(int x) {
    volatile int k = 8;
    return x * k;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exit") == 0) {
        return 0;
    }
    int first = compute(5);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d first=%d\n", getpid(), first);
    int last = first;
    for (;;) {
        int v = compute(5);
        if (v != last) {
            printf("compute=%d\n", v);
            last = v;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
