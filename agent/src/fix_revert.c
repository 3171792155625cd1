/*
 * Reverting, in-process, what a patch file put in force (TFIX_AGENT_DIR, NAME.revert): every jump site of the
 * record whose patch file is that path and whose last event is "applied", written back in one stop. The patch
 * library stays loaded: a thread may still run in it.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfix_agent.h"

#define MAX_SITES 256

struct found {
    const char *path;
    int count, ids[MAX_SITES];
    char state[MAX_SITES][12], functions[MAX_SITES][256];
    struct fix_site sites[MAX_SITES];
};

static int unhex(const char *s, uint8_t *out) {
    size_t n = strlen(s);
    if (n == 0 || n % 2 != 0 || n / 2 > FIX_MAX_BYTES) {
        return -1;
    }
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        out[i] = (uint8_t) v;
    }
    return (int) (n / 2);
}

static void on_line(char **f, int n, void *ctx) {
    struct found *w = ctx;
    if (strcmp(f[0], "apply") == 0) {
        /* id tx function module entry site original patch targetName target patchFile at trampoline kind ... */
        if (n < 12 || strcmp(f[11], w->path) != 0 || (n >= 15 && strcmp(f[14], "jump") != 0) || w->count == MAX_SITES) {
            return;
        }
        struct fix_site *s = &w->sites[w->count];
        int a = unhex(f[7], s->original), b = unhex(f[8], s->jump);
        if (a <= 0 || a != b) {
            return;
        }
        s->length = (uint32_t) a;
        s->address = strtoull(f[6], NULL, 16);
        w->ids[w->count] = atoi(f[1]);
        snprintf(w->functions[w->count], sizeof w->functions[0], "%s", f[3]);
        snprintf(w->state[w->count], sizeof w->state[0], "apply");
        w->count++;
    } else if (n >= 2) {
        for (int i = 0; i < w->count; i++) {
            if (w->ids[i] == atoi(f[1])) {
                snprintf(w->state[i], sizeof w->state[0], "%s", f[0]);
            }
        }
    }
}

void fix_revert(const char *dir, const char *name, char *result, size_t size) {
    static struct found w;
    static struct fix_site todo[MAX_SITES];
    char path[PATH_MAX], base[NAME_MAX + 1];
    snprintf(base, sizeof base, "%.*s", (int) (strlen(name) - strlen(".revert")), name);
    snprintf(path, sizeof path, "%s/%s%s", dir, base, strstr(base, ".so") ? "" : ".so");
    memset(&w, 0, sizeof w);
    w.path = path;
    const char *why = NULL;
    if (record_scan(on_line, &w, &why) != 0) {
        fix_fail(result, size, "%s: nothing was changed", why ? why : "cannot read the patch record");
        return;
    }
    int count = 0, ids[MAX_SITES];
    static char names[MAX_SITES][256];
    for (int i = 0; i < w.count; i++) {
        if (strcmp(w.state[i], "applied") == 0) {
            ids[count] = w.ids[i];
            snprintf(names[count], sizeof names[0], "%s", w.functions[i]);
            todo[count++] = w.sites[i];
        }
    }
    if (count == 0) {
        fix_fail(result, size, "no patch from %s is in force", path);
        return;
    }
    char *lines = malloc((size_t) count * 32), *p = lines;
    for (int i = 0; i < count; i++) {
        p += sprintf(p, "revert\t%d\n", ids[i]);
    }
    if (record_append(lines) != 0) {
        free(lines);
        fix_fail(result, size, "cannot add to the patch record: nothing was changed");
        return;
    }
    int written = fix_write(todo, count, 1, result, size) == 0;
    p = lines;
    for (int i = 0; i < count; i++) {
        p += sprintf(p, "%s\t%d\n", written ? "reverted" : "applied", ids[i]);
        char jump[2 * FIX_MAX_BYTES + 1], orig[2 * FIX_MAX_BYTES + 1];
        for (uint32_t k = 0; k < todo[i].length; k++) {
            sprintf(jump + 2 * k, "%02x", todo[i].jump[k]);
            sprintf(orig + 2 * k, "%02x", todo[i].original[k]);
        }
        journal_write(written ? "revert" : "revert!", names[i], todo[i].address, jump, orig, path);
    }
    record_append(lines);
    free(lines);
    if (written) {
        snprintf(result, size, "ok: reverted %d site%s of %s", count, count == 1 ? "" : "s", path);
    }
}
