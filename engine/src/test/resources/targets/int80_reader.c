/* A thread blocked in a 32-bit-ABI read made with int $0x80 (as old or hand-written code does) while tfix
 * stops every thread, borrows one and lets them go again: the read must go on waiting and return the byte,
 * never an error. The main thread writes that byte only once it has seen compute patched and reverted. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
volatile int factor = 8;

__attribute__((noinline)) int compute(int x) {
    volatile int k = factor;
    return x * k;
}

static void *reader(void *arg) {
    (void) arg;
    /* int $0x80 takes 32-bit pointers: the buffer must lie below 4 GiB. */
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    printf("reading via int 0x80 tid=%d\n", gettid());
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(3L /* ia32 read */), "b"((long) fds[0]), "c"((long) buf), "d"(1L)
                     : "memory", "r8", "r9", "r10", "r11");
    printf("read32 returned %ld byte=%c\n", ret, ret == 1 ? buf[0] : '?');
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    if (pipe(fds) != 0) {
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    int last = -1, patched = 0;
    for (;;) {
        int v = compute(5);
        if (v != last) {
            printf("compute=%d\n", v);
            last = v;
            if (v == 1005) {
                patched = 1;
            } else if (patched) {
                write(fds[1], "x", 1);
                patched = 0;
            }
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
