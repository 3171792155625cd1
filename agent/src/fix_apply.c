/*
 * Applying a patch's fix table in-process, with no tfix running (TFIX_AGENT_DIR). Only the plain form is done:
 * "replace OLD with NEW" (the other words, original/lib/in/clones/expect, are refused, naming the word). OLD is
 * found with dlsym (exported) or in the program's own .symtab read from disk (statics of the executable); NEW in
 * the patch. The jump overwrites OLD's first 5 (rel32, NEW within 2 GiB) or 14 bytes (jmp *0(%rip)), so nothing
 * is copied or relocated; refused: a function shorter than the jump, a site tfix already patched, and any byte
 * pattern in OLD that could be a relative jump into the bytes overwritten (conservative: a pattern that is not an
 * instruction also refuses). The write is the agent's own stop (safe_points.c): threads checked, bytes checked,
 * written, read back. The record gets the lines tfix writes, so `tfix status|verify|revert` see the patch.
 * References to the program's non-exported names are bound before any jump (fix_refs.c).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "tfix_agent.h"

#define MAX_FIXES 32

struct fix {
    char old_name[256], new_name[256], module[PATH_MAX];
    uint64_t entry, size, target;
    uint8_t original[14], jump[14];
    uint32_t length;
};

int fix_fail(char *result, size_t size, const char *fmt, ...) {
    va_list ap;
    int n = snprintf(result, size, "failed: ");
    va_start(ap, fmt);
    vsnprintf(result + n, size - (size_t) n, fmt, ap);
    va_end(ap);
    return -1;
}

static int exe_bias(struct dl_phdr_info *info, size_t size, void *out) {
    (void) size;
    *(uint64_t *) out = info->dlpi_addr; /* the first object is the program */
    return 1;
}

/* OLD's entry, size and module; 0 when found. */
static int resolve(struct fix *f, char *result, size_t size) {
    void *at = dlsym(RTLD_DEFAULT, f->old_name);
    Dl_info info;
    const Elf64_Sym *sym = NULL;
    if (at != NULL && dladdr1(at, &info, (void **) &sym, RTLD_DL_SYMENT) != 0 && sym != NULL
            && ELF64_ST_TYPE(sym->st_info) == STT_FUNC) {
        f->entry = (uint64_t) (uintptr_t) at;
        f->size = sym->st_size;
        snprintf(f->module, sizeof f->module, "%s", info.dli_fname);
        if (f->module[0] == 0 || strcmp(f->module, "") == 0) {
            at = NULL; /* the program itself names no file: read it below */
        }
    }
    if (at == NULL || f->module[0] == 0) {
        struct elf_file exe;
        uint64_t value, bias = 0;
        if (realpath("/proc/self/exe", f->module) == NULL || elf_open(f->module, &exe) != 0) {
            return fix_fail(result, size, "cannot read the program's file to find %s", f->old_name);
        }
        int found = elf_function(&exe, f->old_name, &value, &f->size);
        elf_close(&exe);
        if (found != 0) {
            return fix_fail(result, size, found == -2 ? "%s names two functions of the program: tfix (not the agent's"
                    " folder) picks one" : "no function %s in the program (the folder finds exported functions and the"
                    " program's own, by its .symtab)", f->old_name);
        }
        dl_iterate_phdr(exe_bias, &bias);
        f->entry = bias + value;
    }
    return 0;
}

/* The jump from OLD to NEW, and whether OLD has room for it and no branch into it. */
static int plan(struct fix *f, char *result, size_t size) {
    int64_t rel = (int64_t) (f->target - (f->entry + 5));
    if (rel == (int32_t) rel) {
        f->length = 5;
        f->jump[0] = 0xe9;
        int32_t r32 = (int32_t) rel;
        memcpy(f->jump + 1, &r32, 4);
    } else {
        f->length = 14;
        memcpy(f->jump, "\xff\x25\0\0\0\0", 6);
        memcpy(f->jump + 6, &f->target, 8);
    }
    if (f->size < f->length || f->size > (1u << 24)) {
        return fix_fail(result, size, "%s is %lu bytes, too short for a %u-byte jump", f->old_name,
                (unsigned long) f->size, f->length);
    }
    uint8_t *body = malloc(f->size);
    if (body == NULL || memory_pread(f->entry, body, f->size) != 0) {
        free(body);
        return fix_fail(result, size, "cannot read %s's code", f->old_name);
    }
    memcpy(f->original, body, f->length);
    if (body[0] == 0xe9 || (body[0] == 0xff && body[1] == 0x25)) {
        free(body);
        return fix_fail(result, size, "%s already starts with a jump (patched already?): revert it first", f->old_name);
    }
    for (uint64_t i = 0; i < f->size; i++) {
        int64_t to = -1;
        if ((body[i] == 0xeb || (body[i] >= 0x70 && body[i] <= 0x7f)) && i + 2 <= f->size) {
            to = (int64_t) (i + 2) + (int8_t) body[i + 1];
        } else if ((body[i] == 0xe9 || body[i] == 0xe8) && i + 5 <= f->size) {
            int32_t r;
            memcpy(&r, body + i + 1, 4);
            to = (int64_t) (i + 5) + r;
        } else if (body[i] == 0x0f && i + 6 <= f->size && body[i + 1] >= 0x80 && body[i + 1] <= 0x8f) {
            int32_t r;
            memcpy(&r, body + i + 2, 4);
            to = (int64_t) (i + 6) + r;
        }
        if (to > 0 && to < (int64_t) f->length) {
            free(body);
            return fix_fail(result, size, "%s may branch back into its first %u bytes (offset %ld looks like a jump to +%ld):"
                    " use tfix, whose planner decodes the function", f->old_name, f->length, (long) i, (long) to);
        }
    }
    free(body);
    return 0;
}

/* The fix table's entries, parsed; the number of fixes, or -1. */
static int read_table(const char *path, struct fix *fixes, char *result, size_t size) {
    struct elf_file e;
    size_t n = 0;
    if (elf_open(path, &e) != 0) {
        return fix_fail(result, size, "%s is not a readable 64-bit ELF file", path);
    }
    const uint8_t *table = elf_section(&e, ".tfix.fixes", &n);
    int count = 0;
    for (size_t at = 0; table && at < n && count >= 0;) {
        const char *text = (const char *) table + at;
        size_t len = strnlen(text, n - at);
        at += len + 1;
        if (len == 0) {
            continue;
        }
        char extra[64] = "";
        if (count == MAX_FIXES) {
            count = fix_fail(result, size, "more than %d entries in the fix table", MAX_FIXES);
        } else if (sscanf(text, "replace %255s with %255s %63s", fixes[count].old_name, fixes[count].new_name, extra) < 2) {
            count = fix_fail(result, size, "fix table entry '%.100s': the agent's folder does only 'replace OLD with NEW'", text);
        } else if (extra[0] != 0) {
            count = fix_fail(result, size, "fix table entry '%.100s': '%s' is not done by the agent's folder yet: apply it"
                    " with tfix (apply 'fix.so')", text, extra);
        } else {
            count++;
        }
    }
    elf_close(&e);
    if (count == 0 && table == NULL) {
        return fix_fail(result, size, "%s has no fix table (TFIX_FIX entries, see tfix.h)", path);
    }
    return count;
}

static void on_line(char **f, int n, void *ctx) {
    int *next = ctx; /* next[0] id, next[1] transaction */
    if (strcmp(f[0], "apply") == 0 && n >= 3) {
        next[0] = atoi(f[1]) >= next[0] ? atoi(f[1]) + 1 : next[0];
        next[1] = atoi(f[2]) >= next[1] ? atoi(f[2]) + 1 : next[1];
    } else if (strcmp(f[0], "next") == 0 && n >= 3) {
        next[0] = atoi(f[1]) > next[0] ? atoi(f[1]) : next[0];
        next[1] = atoi(f[2]) > next[1] ? atoi(f[2]) : next[1];
    }
}

static void hex(char *out, const uint8_t *b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

/* Stops the world and writes every site from `from` to `to` bytes (see safe_points.c); 0 when written. */
int fix_write(struct fix_site *sites, int count, int undo, char *result, size_t size) {
    size_t n = 4;
    for (int i = 0; i < count; i++) {
        n += 12 + 2ul * sites[i].length;
    }
    uint8_t *in = malloc(n), *at = in + 4;
    uint32_t c = (uint32_t) count;
    memcpy(in, &c, 4);
    for (int i = 0; i < count; i++) {
        memcpy(at, &sites[i].address, 8);
        memcpy(at + 8, &sites[i].length, 4);
        memcpy(at + 12, undo ? sites[i].jump : sites[i].original, sites[i].length);
        memcpy(at + 12 + sites[i].length, undo ? sites[i].original : sites[i].jump, sites[i].length);
        at += 12 + 2ul * sites[i].length;
    }
    struct tfix_reply r = {0};
    /* A thread in the way is usually gone a moment later (tfix waits the same way, up to its thread timeout). */
    for (int attempt = 0; attempt < 2000; attempt++) {
        free(r.data);
        memset(&r, 0, sizeof r);
        stop_and_write(in, n, &r);
        if (r.status != TFIX_AGENT_BUSY && r.status != EAGAIN) {
            break;
        }
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    free(in);
    int ok = r.status == 0;
    if (!ok) {
        if (r.status == TFIX_AGENT_BUSY) {
            uint32_t why[3];
            memcpy(why, r.data, sizeof why);
            fix_fail(result, size, "thread %u was %s the bytes to change for 2 s: nothing was changed; drop the file"
                    " again later",
                    why[0], why[1] == 0 ? "executing inside" : why[1] == 1 ? "returning into" : "in a system call inside");
        } else {
            fix_fail(result, size, "%.*s", (int) r.length, (char *) r.data);
        }
    }
    free(r.data);
    return ok ? 0 : -1;
}

void fix_apply(const char *dir, const char *name, char *result, size_t size) {
    static struct fix fixes[MAX_FIXES];
    static struct fix_site sites[MAX_FIXES];
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int count = read_table(path, fixes, result, size);
    if (count <= 0) {
        if (count == 0) {
            fix_fail(result, size, "the fix table of %s is empty", name);
        }
        return;
    }
    static struct fix_refs refs;
    if (refs_plan(path, &refs, result, size) != 0) {
        return;
    }
    void *patch = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (patch == NULL) {
        fix_fail(result, size, "dlopen: %s", dlerror());
        return;
    }
    if (refs_bind(patch, &refs, result, size) != 0) {
        return; /* loaded, nothing jumps to it */
    }
    for (int i = 0; i < count; i++) {
        void *target = dlsym(patch, fixes[i].new_name);
        if (target == NULL) {
            fix_fail(result, size, "no function %s in %s", fixes[i].new_name, name);
            return; /* the patch stays loaded: dlclose would run its destructors for nothing */
        }
        fixes[i].target = (uint64_t) (uintptr_t) target;
        if (resolve(&fixes[i], result, size) != 0 || plan(&fixes[i], result, size) != 0) {
            return;
        }
        memset(&sites[i], 0, sizeof sites[i]);
        sites[i].address = fixes[i].entry;
        sites[i].length = fixes[i].length;
        memcpy(sites[i].original, fixes[i].original, fixes[i].length);
        memcpy(sites[i].jump, fixes[i].jump, fixes[i].length);
    }
    int next[2] = {1, 1};
    const char *why = NULL;
    if (record_scan(on_line, next, &why) != 0) {
        fix_fail(result, size, "%s: nothing was changed", why ? why : "cannot read the patch record");
        return;
    }
    int tx = count > 1 ? next[1] : 0;
    char *lines = malloc((size_t) count * (3 * PATH_MAX + 1200)), *p = lines;
    struct timeval now;
    gettimeofday(&now, NULL);
    long long ms = (long long) now.tv_sec * 1000 + now.tv_usec / 1000;
    for (int i = 0; i < count; i++) {
        char orig[29], jump[29];
        hex(orig, fixes[i].original, fixes[i].length);
        hex(jump, fixes[i].jump, fixes[i].length);
        p += sprintf(p, "apply\t%d\t%d\t%s\t%s\t%lx\t%lx\t%s\t%s\t%s\t%lx\t%s\t%lld\t0\tjump\t0\t%d\n", next[0] + i, tx,
                fixes[i].old_name, fixes[i].module, (unsigned long) fixes[i].entry, (unsigned long) fixes[i].entry,
                orig, jump, fixes[i].new_name, (unsigned long) fixes[i].target, path, ms, i + 1);
    }
    if (record_append(lines) != 0) {
        free(lines);
        fix_fail(result, size, "cannot add to the patch record (%s): nothing was changed", strerror(errno));
        return;
    }
    int written = fix_write(sites, count, 0, result, size) == 0;
    p = lines;
    for (int i = 0; i < count; i++) {
        p += sprintf(p, "%s\t%d\n", written ? "applied" : "aborted", next[0] + i);
        char orig[29], jump[29];
        hex(orig, fixes[i].original, fixes[i].length);
        hex(jump, fixes[i].jump, fixes[i].length);
        journal_write(written ? "apply" : "apply!", fixes[i].old_name, fixes[i].entry, orig, jump, path);
    }
    record_append(lines);
    free(lines);
    if (written) {
        int n = snprintf(result, size, "ok: applied");
        for (int i = 0; i < count; i++) {
            n += snprintf(result + n, size - (size_t) n, " %s->%s (patch %d)", fixes[i].old_name, fixes[i].new_name,
                    next[0] + i);
        }
    }
}
