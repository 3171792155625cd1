/* A patch that needs a function no library of the target defines: dlopen would refuse it. Its
 * constructor leaves a mark in the target's output, so a test sees whether it was ever loaded. */
#include <unistd.h>

__attribute__((constructor)) static void mark(void) {
    static const char line[] = "patch constructor ran\n";
    (void)!write(1, line, sizeof line - 1);
}

extern int tfix_nowhere_defined(int);

int tiny_v2(int x) { return tfix_nowhere_defined(x); }
