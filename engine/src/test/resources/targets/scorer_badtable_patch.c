/* A fix table tfix must refuse: its second entry is not understood. */
__attribute__((section(".tfix.fixes"), used)) static const char fix_1[] = "replace compute with compute_v3";
__attribute__((section(".tfix.fixes"), used)) static const char fix_2[] = "replace compute_static by compute_static_v3";

int compute_v3(int x) {
    return x + 3000;
}

int compute_static_v3(int x) {
    return x + 4000;
}
