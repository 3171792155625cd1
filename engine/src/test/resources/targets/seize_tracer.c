/* Another tracer, as a debugger or strace would be: seizes the process given (PTRACE_SEIZE, so it keeps
 * running), says so, and holds it until killed (the kernel then lets the process go). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid = atoi(argv[1]);
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) {
        perror("PTRACE_SEIZE");
        return 1;
    }
    printf("ready pid=%d\n", getpid());
    printf("seized %d\n", pid);
    for (;;) pause();
}
