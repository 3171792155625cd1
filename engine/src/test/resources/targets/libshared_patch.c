int lib_compute_v2(int x) {
    return x * 1000;
}
