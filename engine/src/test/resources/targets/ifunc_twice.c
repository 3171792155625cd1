/* Calls the IFUNC twice from the executable and through libifunc_user; with "idle" it never calls either,
 * so both lazily bound GOT slots still lead to their PLTs. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int twice(int v);
int user_twice(int v);

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    volatile int idle = argc > 1 && strcmp(argv[1], "idle") == 0;
    printf("ready pid=%d%s\n", (int) getpid(), idle ? " idle" : "");
    int last = -1;
    for (;;) {
        if (!idle) {
            int a = twice(1), b = user_twice(1);
            if (a * 1000 + b != last) {
                printf("twice=%d user=%d\n", a, b);
                last = a * 1000 + b;
            }
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
