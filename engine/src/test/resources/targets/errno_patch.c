/* A patch whose constructor leaves errno set, as any library's may (a failed probe, a missing file). */
#include <unistd.h>

__attribute__((constructor)) static void probe(void) {
    close(-1); /* EBADF */
}

int compute_v2(int x) {
    return x + 1000;
}
