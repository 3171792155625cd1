/* Replacements for clones.c: score_v2 has score's signature; score_clone_v2 has its clone's, the
 * constant factor gone. Each answers far from the original, so the code that ran shows. */
int score_v2(int x, int factor) {
    (void)factor;
    return 5000 + x;
}

int score_clone_v2(int x) {
    return 9000 + x;
}
