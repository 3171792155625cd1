/* The main thread vforks a child that sleeps 60 s before it exits: meanwhile the main thread waits in the
 * kernel (state D) and no ptrace request can stop it. A second thread sleeps and can be stopped. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *napper(void *arg) {
    (void)arg;
    for (;;) usleep(10000);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    pthread_create(&t, NULL, napper, NULL);
    printf("ready pid=%d\n", getpid());
    printf("vforking\n");
    pid_t child = vfork();
    if (child == 0) {
        sleep(60); /* the child only sleeps and exits, as vfork allows */
        _exit(0);
    }
    waitpid(child, NULL, 0);
    printf("child done\n");
    for (;;) pause();
}
