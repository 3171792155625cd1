/* A folder patch referring to a name the program does not have: refused before it is loaded. */
#include "tfix.h"

TFIX_EXTERN(int, no_such_counter);
TFIX_FIX("replace hot with hot_counts");

int hot_counts(int x) {
    no_such_counter++;
    return x + 2;
}
