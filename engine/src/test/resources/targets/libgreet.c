/* A library that calls strtol through its own import table (its PLT and GOT). */
#include <stdlib.h>

long greet_value(const char *s) {
    return strtol(s, NULL, 10);
}
