/* An IFUNC whose resolver picks impl_a the first time it runs and impl_b after: two modules binding it get
 * different implementations, which tfix must refuse to guess between. Nothing here calls twice itself. */
static volatile int bump = 100;

int impl_a(int v) {
    return v + bump;
}

int impl_b(int v) {
    return v + 2 * bump;
}

static int resolved;

static void *resolve_twice(void) {
    return resolved++ == 0 ? (void *) impl_a : (void *) impl_b;
}

int twice(int v) __attribute__((ifunc("resolve_twice")));
