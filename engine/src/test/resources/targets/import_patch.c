/* The import's replacement: the original's result plus 1000 (it calls strtol through its own GOT). */
#include <stdlib.h>

long strtol_v2(const char *s, char **end, int base) {
    return strtol(s, end, base) + 1000;
}

/* A replacement of strtol itself (a jump at its entry), for the jump and the import side by side. */
long strtol_fixed(const char *s, char **end, int base) {
    (void)s;
    (void)end;
    (void)base;
    return 7;
}
