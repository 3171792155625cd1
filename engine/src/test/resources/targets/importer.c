/*
 * Calls strtol itself and through libgreet.so, from four threads without pause; prints "exe=A lib=B" when
 * either result changes. With a trigger path (argv[1]) the library is first called once that file exists,
 * so its lazily bound slot still holds the PLT stub until then. With a FIFO path (argv[2]) one more thread
 * dlopens it once it exists: blocked in open, that thread sits inside the dynamic loader.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

long greet_value(const char *s);
int quiet_value(int x);

static volatile int go;
static volatile long exe_result = -1, lib_result = -1;

static void *worker(void *arg) {
    (void)arg;
    for (unsigned n = 0;; n++) {
        exe_result = strtol("41", NULL, 10);
        if (go) {
            lib_result = greet_value("41");
        }
        quiet_value(1);
        if ((n & 1023) == 0) {
            struct timespec ts = {0, 100 * 1000L}; /* leave some of the machine to others */
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

static void *loader(void *arg) {
    const char *fifo = arg;
    while (access(fifo, F_OK) != 0) {
        struct timespec ts = {0, 1000 * 1000L};
        nanosleep(&ts, NULL);
    }
    printf("opening fifo\n");
    void *h = dlopen(fifo, RTLD_NOW); /* blocks inside ld.so until a writer opens the FIFO */
    printf("fifo opened (%s)\n", h ? "loaded" : "refused");
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *trigger = argc > 1 && argv[1][0] ? argv[1] : NULL;
    go = trigger == NULL;
    pthread_t t;
    for (int i = 0; i < 4; i++) {
        pthread_create(&t, NULL, worker, NULL);
    }
    if (argc > 2) {
        pthread_create(&t, NULL, loader, argv[2]);
    }
    printf("ready pid=%d\n", getpid());
    long seen_exe = -2, seen_lib = -2;
    for (;;) {
        if (!go && access(trigger, F_OK) == 0) {
            go = 1;
        }
        long e = exe_result, l = lib_result;
        if (e != seen_exe || l != seen_lib) {
            printf("exe=%ld lib=%ld\n", e, l);
            seen_exe = e;
            seen_lib = l;
        }
        struct timespec ts = {0, 1000 * 1000L};
        nanosleep(&ts, NULL);
    }
}
