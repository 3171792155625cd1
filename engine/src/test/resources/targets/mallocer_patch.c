int work_v2(int x) {
    return x * 2 + 1000;
}
