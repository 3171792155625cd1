/* Three threads, each with its own number in tls_lib's thread-local tl_mine, call tl_work and print what it returns. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

void tl_set(int n);
int tl_work(int x);

static void *worker(void *arg) {
    int n = (int) (long) arg;
    tl_set(n);
    int last = -1;
    for (;;) {
        int v = tl_work(0);
        if (v != last) {
            printf("t%d=%d\n", n, v);
            last = v;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid()); /* the first line: the test harness waits for it */
    tl_set(9);
    pthread_t t[3];
    for (long i = 0; i < 3; i++) {
        pthread_create(&t[i], NULL, worker, (void *) (i + 1));
    }
    for (;;) {
        pause();
    }
}
