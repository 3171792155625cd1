/* The shop: four threads price, ship and total in a loop; a line is printed whenever the results change. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "shop.h"

static struct item items[] = {{1, 100}, {2, 250}};
static int last_quote = -1, last_shipping = -1, last_total = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void report(int q, int s, int t)
{
    pthread_mutex_lock(&lock);
    if (q != last_quote || s != last_shipping || t != last_total) {
        last_quote = q;
        last_shipping = s;
        last_total = t;
        printf("quote=%d shipping=%d total=%d\n", q, s, t);
        fflush(stdout);
    }
    pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        report(quote(100), shipping(4), item_total(items, 2));
        usleep(1000);
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[4];
    printf("ready pid=%d\n", (int)getpid());
    fflush(stdout);
    set_discount(10);
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    pause();
    return 0;
}
