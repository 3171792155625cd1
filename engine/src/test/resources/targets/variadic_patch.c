#include <stdarg.h>

/* Aligned to 256 bytes: the jump target's low byte is zero. */
__attribute__((aligned(256), noinline)) double vsum_v2(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) s += 10 * va_arg(ap, double);
    va_end(ap);
    return s;
}
