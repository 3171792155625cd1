/* A patch whose constructor takes two seconds: the dlopen that loads it outlasts a short call
 * time-out. It says when it is done, so a test sees the borrowed thread finish the call. */
#include <time.h>
#include <unistd.h>

__attribute__((constructor)) static void slow(void) {
    struct timespec ts = {2, 0};
    while (nanosleep(&ts, &ts) != 0) {
    }
    static const char line[] = "slow constructor done\n";
    (void)!write(1, line, sizeof line - 1);
}

int tiny_v2(int x) { return x + 100; }
