/* Calls the library's short lib_plus_one through its PLT and prints the result whenever it changes. */
#include <stdio.h>
#include <unistd.h>

int lib_plus_one(int x);

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready pid=%d\n", getpid());
    int last = 0;
    for (;;) {
        int r = lib_plus_one(41);
        if (r != last) {
            printf("lib_plus_one=%d\n", r);
            last = r;
        }
        usleep(1000);
    }
}
