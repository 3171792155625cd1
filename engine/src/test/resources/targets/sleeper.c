/* Main thread sleeps 200 ms at a time and reports any short or failed sleep; other
 * threads block in read() on a silent pipe, epoll_wait() on an empty set,
 * pthread_cond_wait() (futex) and accept(), and report any return. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];

static void *reader(void *arg) {
    (void)arg;
    char c;
    for (;;) {
        ssize_t n = read(pipefd[0], &c, 1);
        if (n < 0) printf("read error %s\n", strerror(errno));
        else printf("read returned %zd\n", n);
    }
    return NULL;
}

static void *epoller(void *arg) {
    (void)arg;
    int ep = epoll_create1(0);
    struct epoll_event ev;
    for (;;) {
        int n = epoll_wait(ep, &ev, 1, -1);
        printf("epoll_wait returned %d (%s)\n", n, n < 0 ? strerror(errno) : "event");
    }
    return NULL;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *waiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        int r = pthread_cond_wait(&never, &lock);
        printf("cond_wait returned %d\n", r);
    }
    return NULL;
}

static void *acceptor(void *arg) {
    (void)arg;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 1);
    for (;;) {
        int c = accept(s, NULL, NULL);
        printf("accept returned %d (%s)\n", c, c < 0 ? strerror(errno) : "connection");
    }
    return NULL;
}

int compute(int x) {
    return x * 2;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pipefd) != 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    pthread_create(&t, NULL, epoller, NULL);
    pthread_create(&t, NULL, waiter, NULL);
    pthread_create(&t, NULL, acceptor, NULL);
    printf("ready pid=%d\n", getpid());
    for (long i = 0;; i++) {
        struct timespec a, b, req = {0, 200 * 1000000L};
        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = nanosleep(&req, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
        if (r != 0) printf("nanosleep error %s\n", strerror(errno));
        if (ms < 199) printf("short sleep %ld\n", ms);
        printf("tick %ld compute=%d\n", i, compute(21));
    }
}
