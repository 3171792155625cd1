int compute_v2(int x) {
    return x + 1000;
}

int compute_static_v2(int x) {
    return x + 2000;
}
