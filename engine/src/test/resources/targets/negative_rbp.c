/* Two threads call hot() in a loop while two others hold a negative rbp, as -O2 code may (rbp used as a
 * general register): one spins in code that calls nothing with rbp = -16, one sleeps in raw nanosleep
 * system calls with rbp = -8. A frame-pointer walk that lets rbp + 16 wrap reads far off its buffer.
 * The main thread prints "tick N calls=.. old=.. new=.." every 50 ms; a wrong result prints "BAD". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

atomic_int holders_ready;
static atomic_long calls, olds, news;

/* rdi: the value rbp holds from now on; never returns and calls nothing, so the value stays. */
__asm__(".text\n"
        ".globl spin_with_rbp\n"
        ".type spin_with_rbp,@function\n"
        "spin_with_rbp:\n"
        "  mov %rdi, %rbp\n"
        "  lock incl holders_ready(%rip)\n"
        "1: pause\n"
        "  jmp 1b\n"
        ".size spin_with_rbp, .-spin_with_rbp\n"
        ".globl sleep_with_rbp\n"
        ".type sleep_with_rbp,@function\n"
        "sleep_with_rbp:\n"
        "  mov %rdi, %rbp\n"
        "  sub $24, %rsp\n"
        "  movq $0, (%rsp)\n"               /* tv_sec */
        "  movq $2000000, 8(%rsp)\n"        /* tv_nsec: 2 ms */
        "  lock incl holders_ready(%rip)\n"
        "2: mov $35, %eax\n"                /* SYS_nanosleep */
        "  mov %rsp, %rdi\n"
        "  xor %esi, %esi\n"
        "  syscall\n"
        "  jmp 2b\n"
        ".size sleep_with_rbp, .-sleep_with_rbp\n");
void *spin_with_rbp(void *rbp);
void *sleep_with_rbp(void *rbp);

__attribute__((noinline)) int hot(int x) {
    volatile int one = 1, zero = 0;
    return x + one + zero;
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0;; i++) {
        int x = i & 0xffff;
        int r = hot(x);
        if (r == x + 1) atomic_fetch_add(&olds, 1);
        else if (r == x + 2) atomic_fetch_add(&news, 1);
        else printf("BAD result %d for %d\n", r, x);
        atomic_fetch_add(&calls, 1);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    pthread_create(&t, NULL, spin_with_rbp, (void *)-16L);
    pthread_create(&t, NULL, sleep_with_rbp, (void *)-8L);
    for (int i = 0; i < 2; i++) pthread_create(&t, NULL, worker, NULL);
    while (atomic_load(&holders_ready) < 2) usleep(1000);
    printf("ready pid=%d\n", getpid());
    for (long tick = 0;; tick++) {
        struct timespec req = {0, 50 * 1000000L};
        nanosleep(&req, NULL);
        printf("tick %ld calls=%ld old=%ld new=%ld\n", tick, atomic_load(&calls), atomic_load(&olds), atomic_load(&news));
    }
}
