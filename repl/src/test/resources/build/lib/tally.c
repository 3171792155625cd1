/* libtally: counts and labels; its fix uses a file static, a string constant and libc's stderr. */
#include <stdio.h>
#include <string.h>

static int tallies;
static const char *unit = "items";

static __attribute__((noinline)) int weight(const char *label)
{
    return (int)strlen(label);
}

int tally(const char *label)
{
    tallies++;
    if (label == NULL) {
        fputs("tally: no label\n", stderr);
        return -1;
    }
    return weight(label) * 2;
}

const char *tally_unit(void)
{
    return unit;
}
