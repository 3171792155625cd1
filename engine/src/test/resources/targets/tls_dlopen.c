/* Loads tls_lib (argv[1]) with dlopen, so its thread-local block is dynamic, and calls tl_work from a thread. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int (*work)(int);

static void *worker(void *arg) {
    (void) arg;
    int last = -1;
    for (;;) {
        int v = work(0);
        if (v != last) {
            printf("work=%d\n", v);
            last = v;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    void *lib = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;
    if (lib == NULL) {
        printf("dlopen failed: %s\n", dlerror());
        return 1;
    }
    work = (int (*)(int)) dlsym(lib, "tl_work");
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    for (;;) {
        pause();
    }
}
