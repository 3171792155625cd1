/* A thread that never leaves the first five bytes of hold(): any jump written there would land in
 * the middle of its loop, so every replace of hold() must be refused, before its patch is loaded. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

__asm__(
    ".text\n.p2align 4\n"
    ".globl hold\n.type hold,@function\n"
    "hold:\n\tnop\n\tpause\n\tjmp *%rdi\n"
    "\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n"
    "\tret\n.size hold, .-hold\n");

/* hold(again) loops through an indirect jump to again = hold + 1: no branch the plan could see. */
void hold(void *again);

static void *holder(void *arg) {
    (void)arg;
    hold((char *)hold + 1);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    pthread_create(&t, NULL, holder, NULL);
    printf("ready pid=%d\n", getpid());
    for (;;) {
        struct timespec ts = {0, 2000000L};
        nanosleep(&ts, NULL);
    }
}
