int hot_v2(int x) {
    return x + 2;
}
