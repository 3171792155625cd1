/* Calls libtally from two threads; prints a line whenever the answer changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int tally(const char *label);

static int last = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        int t = tally("apples");
        pthread_mutex_lock(&lock);
        if (t != last) {
            last = t;
            printf("tally=%d\n", t);
            fflush(stdout);
        }
        pthread_mutex_unlock(&lock);
        usleep(1000);
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[2];
    printf("ready pid=%d\n", (int)getpid());
    fflush(stdout);
    for (int i = 0; i < 2; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    pause();
    return 0;
}
