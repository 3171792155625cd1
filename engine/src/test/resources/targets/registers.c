/* The only thread spins with known values in general, SSE and AVX registers and
 * checks them on every iteration: a remote call that borrows it must put back every
 * register exactly, or a round reports BAD. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    for (long round = 0;; round++) {
        long bad = 0;
        __asm__ volatile(
            "mov $0x1111111111111111, %%rbx\n\t"
            "mov $0x2222222222222222, %%r12\n\t"
            "mov $0x3333333333333333, %%r13\n\t"
            "mov $0x4444444444444444, %%r14\n\t"
            "mov $0x5555555555555555, %%r15\n\t"
            "mov $0x0a0a0a0a0a0a0a0a, %%rsi\n\t"
            "mov $0x0b0b0b0b0b0b0b0b, %%rdi\n\t"
            "mov $0x0c0c0c0c0c0c0c0c, %%r8\n\t"
            "mov $0x0d0d0d0d0d0d0d0d, %%r9\n\t"
            "mov $0x0e0e0e0e0e0e0e0e, %%r10\n\t"
            "mov $0x6666666666666666, %%rax\n\t"
            "movq %%rax, %%xmm8\n\t"
            "mov $0x7777777777777777, %%rax\n\t"
            "vmovq %%rax, %%xmm10\n\t"
            "vpbroadcastq %%xmm10, %%ymm10\n\t"
            "mov $30000000, %%rcx\n\t"
            "1:\n\t"
            "mov $0x1111111111111111, %%rax\n\tcmp %%rax, %%rbx\n\tjne 2f\n\t"
            "mov $0x2222222222222222, %%rax\n\tcmp %%rax, %%r12\n\tjne 2f\n\t"
            "mov $0x3333333333333333, %%rax\n\tcmp %%rax, %%r13\n\tjne 2f\n\t"
            "mov $0x4444444444444444, %%rax\n\tcmp %%rax, %%r14\n\tjne 2f\n\t"
            "mov $0x5555555555555555, %%rax\n\tcmp %%rax, %%r15\n\tjne 2f\n\t"
            "mov $0x0a0a0a0a0a0a0a0a, %%rax\n\tcmp %%rax, %%rsi\n\tjne 2f\n\t"
            "mov $0x0b0b0b0b0b0b0b0b, %%rax\n\tcmp %%rax, %%rdi\n\tjne 2f\n\t"
            "mov $0x0c0c0c0c0c0c0c0c, %%rax\n\tcmp %%rax, %%r8\n\tjne 2f\n\t"
            "mov $0x0d0d0d0d0d0d0d0d, %%rax\n\tcmp %%rax, %%r9\n\tjne 2f\n\t"
            "mov $0x0e0e0e0e0e0e0e0e, %%rax\n\tcmp %%rax, %%r10\n\tjne 2f\n\t"
            "movq %%xmm8, %%rax\n\tmov $0x6666666666666666, %%rdx\n\tcmp %%rdx, %%rax\n\tjne 2f\n\t"
            "vextracti128 $1, %%ymm10, %%xmm11\n\tvpextrq $1, %%xmm11, %%rax\n\t"
            "mov $0x7777777777777777, %%rdx\n\tcmp %%rdx, %%rax\n\tjne 2f\n\t"
            "dec %%rcx\n\tjnz 1b\n\tjmp 3f\n\t"
            "2:\n\tmovq $1, %0\n\t"
            "3:\n\t"
            : "=m"(bad)
            :
            : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r12", "r13", "r14", "r15",
              "xmm8", "xmm10", "xmm11", "memory", "cc");
        printf("round %ld %s\n", round, bad ? "BAD registers changed" : "ok");
    }
}
