/* A function too short for any jump: lea_plus_one is `lea eax,[rdi+1]; ret`, 4 bytes, with after_it
 * right behind it (no padding). Eight threads call it constantly through five direct branches (calls
 * from C, a tail jmp and a jcc from assembly) and print the sum whenever it changes.
 * -DWITH_TABLE also stores its address in a table of function pointers in data;
 * -DWITH_REL8 adds a function that reaches it with a 2-byte short jmp;
 * -DWITH_LEA one that takes its address with a RIP-relative lea. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int lea_plus_one(int x);
int after_it(int x);
int path_tail(int x);
int path_jcc(int x);

__asm__(".text\n"
        ".globl lea_plus_one\n.type lea_plus_one, @function\n"
        "lea_plus_one:\n.Llea:\n  lea 1(%rdi), %eax\n  ret\n.size lea_plus_one, .-lea_plus_one\n"
        ".globl after_it\n.type after_it, @function\n"
        "after_it:\n  lea 2(%rdi), %eax\n  ret\n.size after_it, .-after_it\n"
#ifdef WITH_REL8
        ".globl short_jumper\n.type short_jumper, @function\n"
        "short_jumper:\n  jmp .Llea\n.size short_jumper, .-short_jumper\n"
#endif
#ifdef WITH_LEA
        ".globl address_of\n.type address_of, @function\n"
        "address_of:\n  lea lea_plus_one(%rip), %rax\n  ret\n.size address_of, .-address_of\n"
#endif
        ".p2align 4\n"
        ".globl path_tail\n.type path_tail, @function\n"
        "path_tail:\n  {disp32} jmp lea_plus_one\n.size path_tail, .-path_tail\n"
        ".globl path_jcc\n.type path_jcc, @function\n"
        "path_jcc:\n  test %edi, %edi\n  {disp32} jns lea_plus_one\n  mov $-7, %eax\n  ret\n.size path_jcc, .-path_jcc\n");

#ifdef WITH_TABLE
int (*table[2])(int) = {lea_plus_one, after_it};
#endif

__attribute__((noinline)) int path_a(int x) {
    return lea_plus_one(x) + 0 * x;
}

__attribute__((noinline)) int path_b(int x) {
    return lea_plus_one(x + 1) - 1;
}

static void *worker(void *arg) {
    int id = (int) (long) arg;
    int x = (id + 1) * 1000;
    int last = 0;
    for (unsigned long n = 0;; n++) {
        volatile int sum = lea_plus_one(x) + path_a(x) + path_b(x) + path_tail(x) + path_jcc(x);
#ifdef WITH_TABLE
        sum += table[n & 1](x) - table[n & 1](x);
#endif
        if (sum != last) {
            printf("t%d x=%d sum=%d\n", id, x, sum);
            last = sum;
        }
        if (n % 1000 == 0) {
            usleep(1000);
        }
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid()); /* first: the threads' sums come after it */
    pthread_t t[8];
    for (long i = 0; i < 8; i++) {
        pthread_create(&t[i], NULL, worker, (void *) i);
    }
    for (;;) {
        pause();
    }
}
