int work_v2(int x) {
    return x + 1000;
}
