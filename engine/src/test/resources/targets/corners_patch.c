/* Replacements for every corner; a build-id pin is left to the tests. */
int tiny_v2(int x) { return x + 100; }
int tight_v2(int x) { return x + 200; }
int backedge_v2(int x) { return x + 300; }
int lhelper_v2(int x) { return x + 400; }
int nearloop_v2(int x) { return x + 500; }
void spin_v2(void) { for (;;) { } }
void sleepy_v2(void) { for (;;) { } }
void via_pointer_v2(void (*f)(void)) { f(); }
