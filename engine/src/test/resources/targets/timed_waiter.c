/* A thread that waits in epoll_wait with a time limit, in poller: a stop would end such a wait early with
 * EINTR, which this program would print ("woke rc=-1 errno=4"); each wait that runs out prints "woke rc=0". */
#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

__attribute__((noinline)) int poller(int ep) {
    struct epoll_event ev;
    return epoll_wait(ep, &ev, 1, 2000);
}

int main(void) {
    int ep = epoll_create1(0);
    printf("ready pid=%d\n", getpid());
    fflush(stdout);
    for (;;) {
        int rc = poller(ep);
        printf("woke rc=%d errno=%d\n", rc, rc < 0 ? errno : 0);
        fflush(stdout);
    }
}
