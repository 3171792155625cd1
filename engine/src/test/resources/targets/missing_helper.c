int missing_helper(int x) {
    return x;
}
