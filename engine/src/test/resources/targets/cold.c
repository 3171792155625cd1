/* A function split the way gcc -O2 splits one: its unlikely path lives in work.cold (in
 * .text.unlikely, far from work) and jumps back into work's first bytes, at +2, inside any
 * jump tfix could write there. A second thread sits in work.cold (sleeping in nanosleep)
 * and will jump back into work when it wakes. Written as top-level assembly so every byte
 * is exact; the rest is C built with -O2. A second pair, entry/feeder, is an exported
 * function that another exported function jumps into. Built with -DBIG, the module has over
 * a MiB of code. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

void cold_wait(void);

__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl work\n.type work,@function\n"
    /* int work(int x): x + 3 when x >= 0; a negative x takes the cold path, which waits, then
     * comes back to .Lagain with x = 0 and eax = x + 3: it returns x + 6. */
    "work:\n"
    "\tmov %edi, %eax\n"          /* +0, 2 bytes */
    ".Lagain:\n"
    "\tadd $3, %eax\n"            /* +2, 3 bytes: the cold part jumps back here */
    "\ttest %edi, %edi\n"         /* +5 */
    "\tjs work.cold\n"            /* +7, 6 bytes (to another section) */
    "\tret\n"                     /* +13 */
    ".size work, .-work\n"
    ".section .text.unlikely,\"ax\",@progbits\n"
    ".type work.cold,@function\n"
    "work.cold:\n"
    "\tpush %rax\n\tpush %rdi\n\tsub $8, %rsp\n"
    "\tcall cold_wait\n"
    "\tadd $8, %rsp\n\tpop %rdi\n\tpop %rax\n"
    "\txor %edi, %edi\n"
    "\tjmp .Lagain\n"             /* the last 5 bytes of work.cold */
    ".size work.cold, .-work.cold\n"
    ".text\n"
    ".p2align 4\n"
    ".globl entry\n.type entry,@function\n"
    /* int entry(int x): x + 2; feeder enters it past its first instruction. */
    "entry:\n"
    "\tmov %edi, %eax\n"          /* +0, 2 bytes */
    "\tadd $1, %eax\n"            /* +2: feeder jumps here */
    "\tadd $1, %eax\n"
    "\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n"
    "\tret\n"
    ".size entry, .-entry\n"
    ".globl feeder\n.type feeder,@function\n"
    "feeder:\n"
    "\tlea 10(%rdi), %eax\n"
    "\tjmp entry+2\n"
    ".size feeder, .-feeder\n"
#ifdef BIG
    /* Over a MiB of code in the module (one-byte nops): the size at which tfix once stopped looking. */
    ".type filler,@function\nfiller:\n\t.fill 0x110000, 1, 0x90\n\tret\n.size filler, .-filler\n"
#endif
    );

int work(int), entry(int), feeder(int);

static volatile int rounds;

/* Called from work.cold: the waiting thread stays here, its return address in work.cold.
 * Each line says the previous round came back through work+2 alive. */
void cold_wait(void) {
    printf("in cold %d\n", ++rounds);
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
}

static void *cold_caller(void *arg) {
    (void)arg;
    for (;;) {
        work(-1);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", (int)getpid());
    pthread_t t;
    pthread_create(&t, NULL, cold_caller, NULL);
    for (long n = 0;; n++) {
        printf("work=%d entry=%d feeder=%d n=%ld\n", work(7), entry(1), feeder(1), n);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
