/* A program whose statics a patch uses: a static variable, a static function, a global it does not export. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile int counter;
int total; /* global, but a PIE built without -rdynamic exports nothing */
static __thread volatile int tls_hits;

__attribute__((noinline, used)) static int bonus(int x) {
    return x * 10 + tls_hits;
}

__attribute__((noinline)) int score(int x) {
    volatile int k = 1;
    int r = 0;
    for (int i = 0; i < k; i++) r += x;
    return r + 1;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    volatile int three = 3;
    int last = -1, lastCounter = -1, lastTotal = -1;
    for (;;) {
        int v = score(three);
        if (v != last || counter != lastCounter || total != lastTotal) {
            printf("score=%d counter=%d total=%d bonus=%d\n", v, counter, total, bonus(0));
            last = v;
            lastCounter = counter;
            lastTotal = total;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
