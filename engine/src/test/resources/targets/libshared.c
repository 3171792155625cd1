__attribute__((noinline)) int lib_compute(int x) {
    volatile int k = 7;
    int r = 0;
    for (int i = 0; i < k; i++) r += x;
    return r;
}

__attribute__((noinline)) int dup_fn(int x) {
    volatile int k = 100;
    return x + k + k;
}
