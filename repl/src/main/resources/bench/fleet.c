/* One process of a fleet (tfix bench fleet): says it is ready, then calls work() every 50 ms and prints
 * its result when it changes, so that hundreds of them leave the machine idle. */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x) {
    volatile int k = 8;
    return x * k;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    int last = -1;
    for (;;) {
        int v = work(5);
        if (v != last) {
            printf("work=%d\n", v);
            last = v;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
