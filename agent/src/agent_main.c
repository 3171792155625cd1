/* The agent's start: take up a restart's socket hand-over, leave LD_PRELOAD to the program, start the control thread. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "tfix_agent.h"

/* Removes every LD_PRELOAD entry naming this library, so the programs this process starts do not load it. */
static void forget_preload(void) {
    const char *now = getenv("LD_PRELOAD");
    if (now == NULL || strstr(now, "libtfix-agent") == NULL) {
        return;
    }
    char *copy = strdup(now), *kept = calloc(1, strlen(now) + 1), *save = NULL;
    if (copy == NULL || kept == NULL) {
        free(copy);
        free(kept);
        return;
    }
    for (char *item = strtok_r(copy, ": ", &save); item != NULL; item = strtok_r(NULL, ": ", &save)) {
        if (strstr(item, "libtfix-agent") != NULL) {
            continue;
        }
        if (*kept) {
            strcat(kept, ":");
        }
        strcat(kept, item);
    }
    if (*kept) {
        setenv("LD_PRELOAD", kept, 1);
    } else {
        unsetenv("LD_PRELOAD");
    }
    free(copy);
    free(kept);
}

__attribute__((constructor)) static void tfix_agent_start(void) {
    if (handover_start() == HANDOVER_WRAPPER) {
        return; /* a restart's /bin/sh wrapper: the agent is for the program it execs, which loads it again */
    }
    forget_preload();
    control_start();
}
