/* For TracerDeathTest: one thread calls f() in a loop through call_f, which loads rax with 0x55 first. f
 * returns 7 when entered at its first byte; entered at its second (where a thread resumes after an int3 on
 * the first byte), it runs "ret" at once and returns the 0x55 still in rax, which the loop reports. SIGTRAP
 * has a handler that reports where it was raised (rip - f) and ends the process, as the default action
 * (a core dump) would. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* f: a8 c3 = test al,0xc3 (harmless from the first byte; from the second, c3 = ret) */
__asm__(".text\n.globl f\n.type f,@function\nf:\n  .byte 0xa8, 0xc3\n  mov $7, %eax\n  ret\n.size f, .-f\n"
        ".globl call_f\n.type call_f,@function\ncall_f:\n  mov $0x55, %eax\n  call f\n  ret\n.size call_f, .-call_f\n");
long f(void);
long call_f(void);

static void on_trap(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)info;
    long at = (long)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP] - (long)f;
    char line[64] = "SIGTRAP at f+";
    int n = strlen(line);
    if (at < 0 || at > 9) {
        at = 9; /* elsewhere: the test expects f+1 */
    }
    line[n++] = (char)('0' + at);
    line[n++] = '\n';
    write(1, line, n);
    _exit(5);
}

static void *caller(void *arg) {
    (void)arg;
    int reported = 0;
    for (;;) {
        long r = call_f();
        if (r != 7 && !reported) {
            printf("f returned %#lx: resumed past its first byte\n", r);
            reported = 1;
        }
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    pthread_t t;
    pthread_create(&t, NULL, caller, NULL);
    printf("f at %p\n", (void *)f);
    for (;;) pause();
}
