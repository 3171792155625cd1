/* A patch with its fix table, for the agent's folder (TFIX_AGENT_DIR): dropped there, the agent applies it. */
#include "tfix.h"

TFIX_FIX("replace hot with hot_v2");

int hot_v2(int x) {
    return x + 2;
}
