/* Two files of one program each have a static counter: the name alone is ambiguous. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile int counter = 1;
int scores_counter(void);

__attribute__((noinline)) int compute(int x) {
    volatile int k = 1;
    int r = 0;
    for (int i = 0; i < k; i++) r += x;
    return r + 1;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    volatile int one = 1;
    int last = -1, lastScores = -1;
    for (;;) {
        int v = compute(one);
        if (v != last || scores_counter() != lastScores) {
            printf("compute=%d main_counter=%d scores_counter=%d\n", v, counter, scores_counter());
            last = v;
            lastScores = scores_counter();
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
