/* A static helper gcc -O2 inlines into every caller: no symbol is left for it. Built with -g, the
 * DWARF still tells where it went (kill_bonus and assist_bonus). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile int input = 1;

static int bonus(int x) {
    return x * 3 + 1;
}

__attribute__((noinline)) int kill_bonus(int x) { return bonus(x) + 10; }
__attribute__((noinline)) int assist_bonus(int x) { return bonus(x + 1) + 20; }

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", (int)getpid());
    for (long n = 0;; n++) {
        printf("kill=%d assist=%d n=%ld\n", kill_bonus(input), assist_bonus(input), n);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
