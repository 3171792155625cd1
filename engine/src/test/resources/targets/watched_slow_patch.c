/* compute_v2 behind a constructor that takes a second: a watch is busy applying it to one process while
 * another starts. */
#include <time.h>

__attribute__((constructor)) static void slow(void) {
    struct timespec ts = {1, 0};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int compute_v2(int x) { return x + 1000; }
