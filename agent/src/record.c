/*
 * The patch record tfix keeps in the process (engine record.RecordStore): a private mapping of a memfd named
 * "tfix-record", "TFIXREC1", the used length (u64, little-endian), then event lines. The agent's folder watch
 * appends to it as tfix does, so `tfix status` lists what the folder applied and `tfix revert` undoes it. It runs
 * on the control thread between peers, so no tfix run is mid-session when it writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tfix_agent.h"

#define HEADER 16
#define CAPACITY (1ul << 20)
static const char MAGIC[8] = "TFIXREC1";

/* The record's base, found in /proc/self/maps (the highest generation is not sought: the agent makes at most one). */
static uint8_t *find(uint64_t *capacity) {
    struct tfix_reply maps = {0};
    memory_maps(&maps);
    reply_add(&maps, "", 1);
    uint8_t *found = NULL;
    for (char *line = (char *) maps.data; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long lo, hi;
        char perms[8], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &lo, &hi, perms, path) >= 3 && perms[0] == 'r'
                && perms[1] == 'w' && strncmp(path, "/memfd:tfix-record", 18) == 0 && hi - lo >= HEADER
                && memcmp((void *) lo, MAGIC, 8) == 0) {
            found = (uint8_t *) lo;
            *capacity = hi - lo;
        }
    }
    free(maps.data);
    return found;
}

static uint8_t *create(uint64_t *capacity) {
    int fd = memfd_create("tfix-record", MFD_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    uint8_t *base = ftruncate(fd, CAPACITY) == 0 ? mmap(NULL, CAPACITY, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
            : MAP_FAILED;
    close(fd);
    if (base == MAP_FAILED) {
        return NULL;
    }
    memset(base + 8, 0, 8);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    memcpy(base, MAGIC, 8); /* the magic last, as tfix makes a record */
    *capacity = CAPACITY;
    return base;
}

/* The record's text, or NULL (with *why) when it is damaged. */
const char *record_text(size_t *used, uint64_t *capacity_out, uint8_t **base_out, const char **why) {
    uint64_t capacity = 0, n;
    uint8_t *base = find(&capacity);
    *why = NULL;
    *base_out = base;
    *used = 0;
    if (base == NULL) {
        return "";
    }
    memcpy(&n, base + 8, 8);
    if (n > capacity - HEADER) {
        *why = "the patch record is damaged (its length is beyond its mapping)";
        return NULL;
    }
    *used = n;
    *capacity_out = capacity;
    return (const char *) base + HEADER;
}

/* Appends one or more whole lines; 0 when done. */
int record_append(const char *lines) {
    size_t used, add = strlen(lines);
    uint64_t capacity = 0;
    uint8_t *base;
    const char *why;
    if (record_text(&used, &capacity, &base, &why) == NULL) {
        return -1;
    }
    if (base == NULL && (base = create(&capacity)) == NULL) {
        return -1;
    }
    if (HEADER + used + add > capacity) {
        errno = ENOSPC;
        return -1;
    }
    memcpy(base + HEADER + used, lines, add);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t now = used + add; /* the length after the line: a reader never sees half a line */
    memcpy(base + 8, &now, 8);
    return 0;
}

/* Calls line(fields, count, ctx) for every line of the record. */
int record_scan(void (*line)(char **f, int n, void *ctx), void *ctx, const char **why) {
    size_t used;
    uint64_t capacity;
    uint8_t *base;
    const char *text = record_text(&used, &capacity, &base, why);
    if (text == NULL) {
        return -1;
    }
    char *copy = malloc(used + 1);
    if (copy == NULL) {
        return -1;
    }
    memcpy(copy, text, used);
    copy[used] = 0;
    char *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *f[24];
        int n = 0;
        for (char *p = l; n < 24;) {
            f[n++] = p;
            char *tab = strchr(p, '\t');
            if (tab == NULL) {
                break;
            }
            *tab = 0;
            p = tab + 1;
        }
        line(f, n, ctx);
    }
    free(copy);
    return 0;
}
