/* One thread that sleeps with the 32-bit-ABI nanosleep (int $0x80): being the only thread, it is the one
 * tfix borrows to load a patch, in the middle of that sleep. The kernel answers such a stop with
 * ERESTART_RESTARTBLOCK, which the 32-bit ABI restarts with its own restart_syscall (0, not x86-64's 219).
 * Any error from the sleep is printed; edx, which nanosleep does not read, holds a value no call accepts as
 * a flag or length, so a call restarted under the wrong number fails visibly instead of passing for a sleep. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

volatile int factor = 8;

__attribute__((noinline)) int compute(int x) {
    volatile int k = factor;
    return x * k;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    /* The 32-bit timespec (two 32-bit fields), below 4 GiB as int $0x80 takes 32-bit pointers. */
    int *ts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    int last = -1;
    for (;;) {
        int v = compute(5);
        if (v != last) {
            printf("compute=%d\n", v);
            last = v;
        }
        ts[0] = 0;
        ts[1] = 20 * 1000000;
        long ret;
        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(162L /* ia32 nanosleep */), "b"((long) ts), "c"(0L), "d"(-1L)
                         : "memory", "r8", "r9", "r10", "r11");
        if (ret != 0) {
            printf("nanosleep32 returned %ld\n", ret);
        }
    }
}
