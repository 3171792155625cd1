/* Uses refs_lib; has its own static lib_hits, a decoy a patch of the library must not touch. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int lib_work(int x);
int lib_hits_now(void);
static volatile int lib_hits = 100;

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    volatile int two = 2;
    int last = -1, lastHits = -1;
    for (;;) {
        int v = lib_work(two);
        if (v != last || lib_hits_now() != lastHits) {
            printf("lib_work=%d hits=%d decoy=%d\n", v, lib_hits_now(), lib_hits);
            last = v;
            lastHits = lib_hits_now();
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
