/* A library with a thread-local variable of its own: each thread stores its number in it. */
static __thread int tl_mine;

void tl_set(int n) {
    tl_mine = n;
}

__attribute__((noinline)) int tl_work(int x) {
    volatile int k = 1;
    int r = 0;
    for (int i = 0; i < k; i++) r += x;
    return r;
}

int tl_get(void) {
    return tl_mine;
}
