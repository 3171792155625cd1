/* A function whose callers call its compiler clone. score is exported and kept out of line; kill,
 * assist and capture all pass the same constant factor, so gcc -O3 makes score.constprop.0 (factor
 * folded in, one argument left) and calls it from all three. main calls score itself once, with a
 * factor it cannot know. Built with -O3: the test checks the clone exists, so a compiler that stops
 * cloning fails it loudly. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int score(int x, int factor) {
    int r = x * factor;
    if (r > 1000) {
        r -= factor / 3;
    }
    return r + factor;
}

__attribute__((noinline)) int kill(int x) { return score(x, 7) + 1; }
__attribute__((noinline)) int assist(int x) { return score(x + 1, 7) + 2; }
__attribute__((noinline)) int capture(int x) { return score(x + 2, 7) + 3; }

static volatile int input = 1;
static volatile int factor_seen = 3;

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", (int)getpid());
    for (long n = 0;; n++) {
        int k = kill(input), a = assist(input), c = capture(input);
        printf("kill=%d assist=%d capture=%d direct=%d n=%ld\n", k, a, c, score(input, factor_seen), n);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
