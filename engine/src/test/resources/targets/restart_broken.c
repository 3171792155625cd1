/* A program that cannot start: says why on its error output and exits at once (tfix restart onto a broken build). */
#include <stdio.h>

int main(void) {
    fprintf(stderr, "broken: cannot read /etc/game/config.toml: no such file\n");
    return 3;
}
