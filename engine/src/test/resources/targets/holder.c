/* Stands in for another debugger: traces the pid given and holds it. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int pid = atoi(argv[1]);
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) { perror("seize"); return 1; }
    printf("ready pid=%d\n", getpid());
    for (;;) pause();
}
