int compute_v2(int x) {
    return x * 3 + 1000;
}
