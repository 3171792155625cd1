/* A folder patch using a static of the program (agent_target.c's usr1s, not exported): the agent binds it. */
#include "tfix.h"

TFIX_EXTERN(volatile int, usr1s);
TFIX_FIX("replace hot with hot_marks");

int hot_marks(int x) {
    usr1s = 7;
    return x + 2;
}
