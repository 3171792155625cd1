int hot_v2(int x) {
    return x + 2;
}

int hot2_v2(int x) {
    return x + 20;
}
