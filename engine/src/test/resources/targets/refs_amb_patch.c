/* Sets "the" static counter: which one, only .tfix.refs can tell. */
#include "tfix.h"

TFIX_EXTERN(volatile int, counter);
#ifdef PICK
TFIX_REF_FROM("counter", "refs_amb_scores.c");
#endif

int compute_v2(int x) {
    counter = 42;
    return x + 100;
}
