/* A patch that says what it fixes: apply 'scorer_table_patch.so' needs no script. */
#include "tfix.h"

TFIX_FIX("replace compute with compute_v3");
TFIX_FIX("replace compute_static with compute_static_v3");

int compute_v3(int x) {
    return x + 3000;
}

int compute_static_v3(int x) {
    return x + 4000;
}
