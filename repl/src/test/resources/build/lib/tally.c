/* libtally: counts and labels; its fix uses a file static, a thread-local, a string constant, libc's stderr and IFUNCs. */
#include <stdio.h>
#include <string.h>

static int tallies;
static const char *unit = "items";
static __thread int thread_no; /* each caller thread's number, set by tally_thread */

static __attribute__((noinline)) int weight(const char *label)
{
    return (int)strlen(label);
}

/* An IFUNC of the library itself: the resolver picks the implementation once, at load. */
static int bonus_plain(int n)
{
    return n;
}

static int (*resolve_bonus(void))(int)
{
    return bonus_plain;
}

int tally_bonus(int n) __attribute__((ifunc("resolve_bonus")));

int tally(const char *label)
{
    tallies++;
    if (label == NULL) {
        fputs("tally: no label\n", stderr);
        return -1;
    }
    return weight(label) * 2;
}

void tally_thread(int n)
{
    thread_no = n;
}

int tally_thread_no(void)
{
    return thread_no;
}

const char *tally_unit(void)
{
    return unit;
}
