/* Leaves an unreaped child: a zombie to attach to. */
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t child = fork();
    if (child == 0) _exit(0);
    printf("ready pid=%d zombie=%d\n", getpid(), child);
    for (;;) pause();
}
