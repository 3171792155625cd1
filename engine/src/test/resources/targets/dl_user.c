/* Loads the library named on its command line and calls its lib_compute in a loop, so a test can delete or
 * replace the library's file while it stays mapped ("(deleted)" in /proc/PID/maps). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    void *lib = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;
    int (*lib_compute)(int) = lib ? (int (*)(int)) dlsym(lib, "lib_compute") : NULL;
    if (!lib_compute) {
        printf("cannot load: %s\n", dlerror());
        return 1;
    }
    int last = -1;
    for (;;) {
        int v = lib_compute(3);
        if (v != last) {
            printf("lib_compute=%d\n", v);
            last = v;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
