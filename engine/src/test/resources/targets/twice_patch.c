/* Replacements for mapped_twice.c and libtwice.c: far from the originals, so a patched call shows. */
int own_value_v2(int x) {
    return 1000 + x;
}

int lib_value_v2(int x) {
    return 2000 + x;
}
