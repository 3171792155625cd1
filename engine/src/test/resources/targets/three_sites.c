/* Three functions nobody calls, kept by a table, for writes whose rollback a test makes fail; the main thread
 * prints "ready" and sleeps. */
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) int site_a(int x) { return x * 3 + 1; }
__attribute__((noinline)) int site_b(int x) { return x * 5 + 2; }
__attribute__((noinline)) int site_c(int x) { return x * 7 + 3; }
int (*volatile table[])(int) = {site_a, site_b, site_c};

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    for (;;) sleep(1);
}
