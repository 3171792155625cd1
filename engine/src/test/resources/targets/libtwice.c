/* The library mapped_twice.c uses, and maps a second time to read it. */
int lib_value(int x) {
    volatile int k = 5;
    return x * k + 2;
}
