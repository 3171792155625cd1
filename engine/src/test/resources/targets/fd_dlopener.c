/* Loads the library named on its command line as /proc/self/fd/N, then closes N: the loader keeps that name
 * for the library, so a later dlopen of /proc/self/fd/N (N reused by another file) hands the old library back.
 * Then calls compute() in a loop and prints the result whenever it changes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int compute(int x) {
    volatile int k = 8;
    return x * k;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    int fd = argc > 1 ? open(argv[1], O_RDONLY | O_CLOEXEC) : -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (fd < 0 || !dlopen(path, RTLD_NOW)) {
        printf("cannot load: %s\n", dlerror());
        return 1;
    }
    close(fd);
    printf("loaded %s\n", path);
    int last = -1;
    for (;;) {
        int v = compute(5);
        if (v != last) {
            printf("compute=%d\n", v);
            last = v;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
