/* Makes itself undumpable (prctl(PR_SET_DUMPABLE, 0): its /proc files then belong to root, and only a tracer
 * with CAP_SYS_PTRACE may trace it), then calls compute() in a loop, printing the result when it changes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int compute(int x) {
    volatile int k = 8;
    return x * k;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (prctl(PR_SET_DUMPABLE, 0) != 0) {
        perror("prctl");
        return 1;
    }
    printf("ready pid=%d\n", getpid());
    printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE));
    int last = -1;
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
