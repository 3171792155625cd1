/* One thread spins inside an rseq critical section registered through glibc's own rseq area;
 * it only leaves through the section's abort handler (sent there by the kernel when the thread
 * is preempted), which counts the entries and starts the section over. The main thread waits
 * in pthread_join, so tfix borrows the spinning one. Prints "ready pid=N entries=ADDRESS". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/rseq.h>
#include <unistd.h>

volatile long entries;

static void *spin(void *arg) {
    (void)arg;
    struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
    for (;;) {
        entries++;
        __asm__ volatile goto(
            ".pushsection __rseq_cs, \"aw\"\n\t"
            ".balign 32\n\t"
            "3:\n\t"
            ".long 0, 0\n\t"
            ".quad 1f, (2f - 1f), 4f\n\t"
            ".popsection\n\t"
            "leaq 3b(%%rip), %%rax\n\t"
            "movq %%rax, %[cs]\n\t"
            "1:\n\t"
            "jmp 1b\n\t"
            "2:\n\t"
            ".long 0x53053053\n\t"
            "4:\n\t"
            "jmp %l[aborted]\n\t"
            : : [cs] "m" (rs->rseq_cs) : "rax", "memory", "cc" : aborted);
    aborted:;
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (__rseq_size == 0) {
        printf("no rseq\n");
        return 2;
    }
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
    while (entries == 0) {
    }
    printf("ready pid=%d entries=%p\n", getpid(), (void *)&entries);
    pthread_join(t, NULL);
    return 0;
}
