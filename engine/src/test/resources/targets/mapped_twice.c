/* A program that maps a file it also runs from a second time, read-only, to read it: its own
 * executable ("self") or the library it calls ("lib"). The copy is mapped before tfix comes,
 * at a low fixed address, so it comes first in /proc/PID/maps, below the loader's mappings.
 * Each line prints what the two functions answer and a checksum of the whole copy. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

int lib_value(int x);

__attribute__((noinline)) int own_value(int x) {
    volatile int k = 3;
    return x * k + 1;
}

static const unsigned char *copy;
static size_t copy_len;

static unsigned long checksum(void) {
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < copy_len; i++) {
        h = (h ^ copy[i]) * 1099511628211UL;
    }
    return h;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *file = "/proc/self/exe";
    Dl_info info;
    if (argc > 1 && strcmp(argv[1], "lib") == 0) {
        if (!dladdr((void *)lib_value, &info)) {
            printf("no dladdr\n");
            return 1;
        }
        file = info.dli_fname;
    }
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        printf("cannot open %s\n", file);
        return 1;
    }
    copy_len = (size_t)st.st_size;
    void *at = mmap((void *)0x10000000, copy_len, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
    if (at == MAP_FAILED) {
        at = mmap(NULL, copy_len, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (at == MAP_FAILED) {
        printf("cannot map %s\n", file);
        return 1;
    }
    copy = at;
    close(fd);
    printf("ready pid=%d\n", (int)getpid());
    printf("copy=%p\n", at);
    for (;;) {
        printf("own=%d lib=%d copysum=%lx\n", own_value(20), lib_value(20), checksum());
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
