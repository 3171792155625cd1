/* A second fix for scorer: replaces compute_v2 while it is in force. */
int compute_v3(int x) {
    return x + 3000;
}
