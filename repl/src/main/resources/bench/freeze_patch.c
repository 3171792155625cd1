int work_v2(int x) {
    volatile int k = 3;
    return x * k + k + x;
}
