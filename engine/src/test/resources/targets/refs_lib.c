/* A library with statics of its own: a patch replacing lib_work must find them here first. */
static volatile int lib_hits;
__attribute__((visibility("hidden"))) int lib_hidden = 4;

__attribute__((noinline, used)) static int lib_scale(int x) {
    return x * 3;
}

__attribute__((noinline)) int lib_work(int x) {
    volatile int k = 1;
    int r = 0;
    for (int i = 0; i < k; i++) r += x;
    return r;
}

int lib_hits_now(void) {
    return lib_hits;
}
