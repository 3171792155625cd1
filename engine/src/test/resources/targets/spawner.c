/* Keeps creating short-lived threads, so threads are born and die while tfix attaches and patches. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x) {
    volatile int k = 3;
    return x * k + k;
}

static void *child(void *arg) {
    int *out = arg;
    *out = work(*out);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    for (long n = 0;; n++) {
        pthread_t t[4];
        int v[4];
        for (int i = 0; i < 4; i++) { v[i] = 1; pthread_create(&t[i], NULL, child, &v[i]); }
        for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
        if (n % 500 == 0) printf("round %ld work=%d\n", n, v[0]);
    }
}
