/* One of many processes of one program (tfix --all): prints "value=N" whenever compute()'s result changes.
 * It sleeps 20 ms between calls, so that hundreds of them leave the machine idle. With an argument
 * "exit-when-traced" it exits as soon as a tracer seizes it: a process gone in the middle of its turn; with
 * "exit-when-traced PID" as soon as one seizes process PID: gone before its turn when PID's turn comes first. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int compute(int x) {
    volatile int k = 8;
    return x * k;
}

static int traced(const char *status) {
    FILE *f = fopen(status, "r");
    char line[256];
    int tracer = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "TracerPid:", 10) == 0) {
            tracer = atoi(line + 10);
        }
    }
    if (f) fclose(f);
    return tracer != 0;
}

int main(int argc, char **argv) {
    int exit_when_traced = argc > 1 && strcmp(argv[1], "exit-when-traced") == 0;
    char status[64] = "/proc/self/status";
    if (exit_when_traced && argc > 2) {
        snprintf(status, sizeof status, "/proc/%d/status", atoi(argv[2]));
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    int last = -1;
    for (;;) {
        int v = compute(5);
        if (v != last) {
            printf("value=%d\n", v);
            last = v;
        }
        if (exit_when_traced) {
            if (traced(status)) _exit(0);
            struct timespec ts = {0, 100 * 1000L};
            nanosleep(&ts, NULL);
        } else {
            struct timespec ts = {0, 20 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}
