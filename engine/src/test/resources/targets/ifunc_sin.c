/* Calls libm's sin, an IFUNC, through its PLT in a loop; with "idle" it imports sin but never calls it, so the
 * lazily bound GOT slot still leads to the PLT. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    volatile double x = 0.5;
    int idle = argc > 1 && strcmp(argv[1], "idle") == 0;
    printf("ready pid=%d%s\n", (int) getpid(), idle ? " idle" : "");
    double last = -1;
    for (;;) {
        if (!idle || x > 10) {
            double v = sin(x);
            if (v != last) {
                printf("sin=%.3f\n", v);
                last = v;
            }
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
