/* A patch that says what it fixes: apply 'scorer_table_patch.so' needs no script. The entries are
 * written out here as tfix.h's TFIX_FIX writes them (NUL-terminated strings in .tfix.fixes). */
#define FIX(n, text) __attribute__((section(".tfix.fixes"), used)) static const char fix_##n[] = text

FIX(1, "replace compute with compute_v3");
FIX(2, "replace compute_static with compute_static_v3");

int compute_v3(int x) {
    return x + 3000;
}

int compute_static_v3(int x) {
    return x + 4000;
}
