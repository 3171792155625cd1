/* The corners where live patchers crash targets: functions shorter than a jump, a loop
 * whose back-edge lands inside the replaced bytes, a branch from elsewhere into a static
 * function, a thread spinning inside the first bytes of a function, and a thread
 * sleeping inside a function. The assembly ones are written out to control every byte. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__asm__(
    ".text\n"
    /* tiny: 4 bytes, then nop padding to the next 16-byte boundary, then neighbour. */
    ".p2align 4\n"
    ".globl tiny\n.type tiny,@function\n"
    "tiny:\n\tlea (%rdi,%rdi), %eax\n\tret\n.size tiny, .-tiny\n"
    ".p2align 4, 0x90\n"
    ".globl neighbour\n.type neighbour,@function\n"
    "neighbour:\n\tlea 1(%rdi), %eax\n\tret\n.size neighbour, .-neighbour\n"
    /* tight: 4 bytes with a symbol right after it: no padding to borrow. */
    ".p2align 4\n"
    ".globl tight\n.type tight,@function\n"
    "tight:\n\tlea (%rdi,%rdi), %eax\n\tret\n.size tight, .-tight\n"
    ".globl after_tight\n.type after_tight,@function\n"
    "after_tight:\n\tlea 2(%rdi), %eax\n\tret\n.size after_tight, .-after_tight\n"
    /* backedge: sums 1..n; the loop's back-edge lands at +4, inside any jump. */
    ".p2align 4\n"
    ".globl backedge\n.type backedge,@function\n"
    "backedge:\n\tmov %edi, %ecx\n\txor %eax, %eax\n"
    "1:\n\tadd %ecx, %eax\n\tdec %ecx\n\tjnz 1b\n\tret\n"
    "\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n.size backedge, .-backedge\n"
    /* nearloop: the loop head is at +6: inside a 14-byte jump, past a 5-byte one (a trampoline). */
    ".p2align 4\n"
    ".globl nearloop\n.type nearloop,@function\n"
    "nearloop:\n\tmov %edi, %ecx\n\txor %eax, %eax\n\tnop\n\tnop\n"
    "1:\n\tadd %ecx, %eax\n\tdec %ecx\n\tjnz 1b\n\tret\n"
    "\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n.size nearloop, .-nearloop\n"
    /* via_pointer: calls through rdi from its first bytes: a thread in the callee returns to +2. */
    ".p2align 4\n"
    ".globl via_pointer\n.type via_pointer,@function\n"
    "via_pointer:\n\tcall *%rdi\n"
    "\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n"
    "\tret\n.size via_pointer, .-via_pointer\n"
    /* lhelper: a static function that another function jumps into, at +2. */
    ".p2align 4\n"
    ".type lhelper,@function\n"
    "lhelper:\n\tmov %edi, %eax\n\tadd $1, %eax\n\tadd $1, %eax\n\tadd $1, %eax\n\tadd $1, %eax\n\tret\n.size lhelper, .-lhelper\n"
    ".globl jumper\n.type jumper,@function\n"
    "jumper:\n\tmov %edi, %eax\n\tjmp lhelper+2\n.size jumper, .-jumper\n"
    ".globl call_lhelper\n.type call_lhelper,@function\n"
    "call_lhelper:\n\tjmp lhelper\n.size call_lhelper, .-call_lhelper\n"
    /* spin: loops forever at +7..+10 through an indirect jump no analysis can follow. */
    ".p2align 4\n"
    ".globl spin\n.type spin,@function\n"
    "spin:\n\tlea 1f(%rip), %rax\n"
    "1:\n\tpause\n\tjmp *%rax\n"
    "\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n.size spin, .-spin\n");

int tiny(int), neighbour(int), tight(int), after_tight(int), backedge(int), jumper(int), call_lhelper(int), nearloop(int);
void spin(void);
void via_pointer(void (*)(void));

/* tight's address kept in data: its callers cannot take it over either, so it stays refused. */
int (*volatile tight_pointer)(int) = tight;

static volatile long naps;

/* A thread lives inside sleepy(): its return address into sleepy is always on the stack. */
__attribute__((noinline)) void sleepy(void) {
    volatile long setup = 1; /* straight-line code first: the loop head must lie past the jump */
    setup += 2;
    setup *= 3;
    for (;;) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
        naps++;
    }
}

static void nap_forever(void) {
    for (;;) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
}

static void *pointer_caller(void *arg) {
    (void)arg;
    via_pointer(nap_forever);
    return NULL;
}

static void *spinner(void *arg) {
    (void)arg;
    spin();
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    sleepy();
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    if (argc > 1) pthread_create(&t, NULL, spinner, NULL);
    if (argc > 2) pthread_create(&t, NULL, sleeper, NULL);
    if (argc > 3) pthread_create(&t, NULL, pointer_caller, NULL);
    printf("ready pid=%d\n", getpid());
    int last[5] = {-1, -1, -1, -1, -1}, last_near = -1;
    for (;;) {
        int n = nearloop(4);
        if (n != last_near) {
            printf("nearloop=%d\n", n);
            last_near = n;
        }
        int v[5] = {tiny(5), neighbour(5), tight(5), backedge(4), jumper(5) + call_lhelper(5) * 0};
        if (v[0] != last[0] || v[1] != last[1] || v[2] != last[2] || v[3] != last[3] || v[4] != last[4]) {
            printf("tiny=%d neighbour=%d tight=%d backedge=%d jumper=%d\n", v[0], v[1], v[2], v[3], v[4]);
            for (int i = 0; i < 5; i++) last[i] = v[i];
        }
        struct timespec ts = {0, 2000000L};
        nanosleep(&ts, NULL);
    }
}
