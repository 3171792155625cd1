/* Loads the library argv[1] with dlopen only once the file argv[2] exists, then calls its lib_compute in a
 * loop and prints every result that changes: a library that appears in the maps long after the exec. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    if (argc < 3) {
        return 1;
    }
    struct timespec ts = {0, 2 * 1000000L};
    while (access(argv[2], F_OK) != 0) {
        nanosleep(&ts, NULL);
    }
    void *lib = dlopen(argv[1], RTLD_NOW);
    int (*lib_compute)(int) = lib ? (int (*)(int)) dlsym(lib, "lib_compute") : NULL;
    if (!lib_compute) {
        printf("cannot load: %s\n", dlerror());
        return 1;
    }
    printf("loaded\n");
    int last = -1;
    for (;;) {
        int v = lib_compute(3);
        if (v != last) {
            printf("lib_compute=%d\n", v);
            last = v;
        }
        nanosleep(&ts, NULL);
    }
}
