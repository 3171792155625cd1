/* A process left as tfix runs killed while remaking the record would leave it: a record mapping
 * without its magic (half made, or retired), an older whole record (generation 0, as before
 * compaction existed) and a newer one (generation 3). compute() is there to be patched. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int compute(int x) {
    volatile int k = 8;
    return x * k;
}

static char *record(const char *text) {
    int fd = memfd_create("tfix-record", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 1 << 20) != 0) return NULL;
    char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return NULL;
    if (text) {
        long len = (long) strlen(text);
        memcpy(m + 16, text, len);
        memcpy(m + 8, &len, 8);
        memcpy(m, "TFIXREC1", 8);
    }
    return m;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    char *stale = record(NULL);
    char *older = record("next\t5\t2\n");
    char *newer = record("generation\t3\nnext\t41\t9\n");
    printf("ready pid=%d stale=%lx older=%lx newer=%lx\n", getpid(), (unsigned long) stale, (unsigned long) older, (unsigned long) newer);
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
