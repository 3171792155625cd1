/* A fix table entry the agent's folder does not do (original:): refused, nothing changed. */
#include "tfix.h"

TFIX_FIX("replace hot with hot_v2 original hot_orig");

int (*hot_orig)(int);

int hot_v2(int x) {
    return x + 2;
}
