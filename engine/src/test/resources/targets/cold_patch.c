/* Replacements for cold.c: each answers far from the original, so a patched call shows. */
int work_v2(int x) {
    return x + 100;
}

int entry_v2(int x) {
    return x + 200;
}

void cold_wait_v2(void) {
}
