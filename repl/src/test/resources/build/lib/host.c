/* Calls libtally from two threads, numbered 1 and 2; each prints a line whenever its answer changes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int tally(const char *label);
void tally_thread(int n);
int tally_bonus(int n);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    int n = (int)(long)arg, last = -1;
    tally_thread(n);
    for (;;) {
        int t = tally("apples");
        if (t != last) {
            last = t;
            pthread_mutex_lock(&lock);
            printf("t%d tally=%d bonus=%d\n", n, t, tally_bonus(0));
            fflush(stdout);
            pthread_mutex_unlock(&lock);
        }
        usleep(1000);
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[2];
    printf("ready pid=%d\n", (int)getpid());
    fflush(stdout);
    for (long i = 0; i < 2; i++)
        pthread_create(&threads[i], NULL, worker, (void *)(i + 1));
    pause();
    return 0;
}
