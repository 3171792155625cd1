/* A patch whose constructor leaves a mark in the target's output: a test sees whether it ran.
 * write(2) and not stdio, so the mark reaches the log the moment the constructor runs. */
#include <unistd.h>

__attribute__((constructor)) static void mark(void) {
    static const char line[] = "patch constructor ran\n";
    (void)!write(1, line, sizeof line - 1);
}

int tiny_v2(int x) { return x + 100; }
int tight_v2(int x) { return x + 200; }
void hold_v2(void) { }
