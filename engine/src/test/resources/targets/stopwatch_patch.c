/* A patch whose constructor takes half a second and says when it begins and ends: a test
 * stops the process by job control while the borrowed thread is loading it. */
#include <time.h>
#include <unistd.h>

__attribute__((constructor)) static void slow_start(void) {
    static const char begins[] = "constructor begins\n", ends[] = "constructor ends\n";
    (void)!write(1, begins, sizeof begins - 1);
    struct timespec ts = {0, 500 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
    (void)!write(1, ends, sizeof ends - 1);
}

int compute_v2(int x) {
    return x + 1000;
}
