/* compute() is written in assembly so its first bytes are exact: endbr64, a short branch (js), then a
 * RIP-relative load (bonus). Eight threads call it for x in -100..100 and count each result that is the
 * original answer (x >= 0: 3x + bonus, else bonus - x) or the original plus 1000 or 3000 (patches that call
 * the original through its copy); anything else prints "BAD". stubborn() starts with instructions that only
 * work where they are (jrcxz, loop): no copy of it can be made. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__attribute__((used)) int bonus = 7;

asm("  .text\n"
    "  .globl compute\n"
    "  .type compute, @function\n"
    "  .p2align 4\n"
    "compute:\n"
    "  endbr64\n"
    "  testl %edi, %edi\n"
    "  js 1f\n"
    "  movl bonus(%rip), %eax\n"
    "  leal (%rdi,%rdi,2), %edx\n"
    "  addl %edx, %eax\n"
    "  ret\n"
    "1:\n"
    "  movl bonus(%rip), %eax\n"
    "  subl %edi, %eax\n"
    "  ret\n"
    "  .size compute, .-compute\n"
    "  .globl stubborn\n"
    "  .type stubborn, @function\n"
    "  .p2align 4\n"
    "stubborn:\n"
    "  jrcxz 2f\n"
    "  loop 2f\n"
    "  loop 2f\n"
    "  loop 2f\n"
    "  loop 2f\n"
    "  loop 2f\n"
    "  loop 2f\n"
    "  loop 2f\n"
    "2:\n"
    "  movl %edi, %eax\n"
    "  ret\n"
    "  .size stubborn, .-stubborn\n");

int compute(int x);
int stubborn(int x);

static atomic_long calls, olds, news, newneg, v3s;

static void *worker(void *arg) {
    (void)arg;
    for (unsigned i = 0;; i++) {
        int x = (int)(i % 201) - 100;
        int orig = x >= 0 ? 3 * x + 7 : 7 - x;
        int r = compute(x);
        if (r == orig) {
            atomic_fetch_add(&olds, 1);
        } else if (r == orig + 1000) {
            atomic_fetch_add(&news, 1);
            if (x < 0) atomic_fetch_add(&newneg, 1);
        } else if (r == orig + 3000) {
            atomic_fetch_add(&v3s, 1);
        } else {
            printf("BAD compute(%d) = %d, not %d\n", x, r, orig);
        }
        atomic_fetch_add(&calls, 1);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    for (int i = 0; i < 8; i++) pthread_create(&t, NULL, worker, NULL);
    printf("ready pid=%d\n", getpid());
    for (long tick = 0;; tick++) {
        struct timespec req = {0, 20 * 1000000L};
        nanosleep(&req, NULL);
        printf("tick %ld calls=%ld old=%ld new=%ld newneg=%ld v3=%ld stubborn=%d\n", tick, atomic_load(&calls),
               atomic_load(&olds), atomic_load(&news), atomic_load(&newneg), atomic_load(&v3s), stubborn(5));
    }
}
