/*
 * TFIX_AGENT_DIR: a folder the agent watches with inotify (no polling): NAME.so dropped there (closed after
 * writing, or moved in) is applied from its fix table, NAME.revert reverts what NAME.so put in force; the outcome
 * is written beside it as NAME.result, one line ("ok: ..." or "failed: why"). Files already there when the
 * program starts are not acted on.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "tfix_agent.h"

/* The folder's length is bounded in folder_watch and a name by NAME_MAX: the paths made here fit. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char folder[PATH_MAX];

int folder_watch(void) {
    const char *dir = getenv("TFIX_AGENT_DIR");
    if (dir == NULL || *dir == 0 || strlen(dir) >= sizeof folder - NAME_MAX - 16) {
        return -1;
    }
    snprintf(folder, sizeof folder, "%s", dir);
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd >= 0 && inotify_add_watch(fd, folder, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), t = strlen(tail);
    return n > t && strcmp(s + n - t, tail) == 0;
}

static void write_result(const char *name, const char *line) {
    char path[PATH_MAX], tmp[PATH_MAX];
    size_t stem = strlen(name) - (ends_with(name, ".so") ? 3 : strlen(".revert"));
    snprintf(path, sizeof path, "%s/%.*s.result", folder, (int) stem, name);
    snprintf(tmp, sizeof tmp, "%s/.%.*s.result.tmp", folder, (int) stem, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return;
    }
    int ok = write(fd, line, strlen(line)) == (ssize_t) strlen(line) && write(fd, "\n", 1) == 1;
    close(fd);
    /* renamed into place, so a reader waiting for NAME.result never reads half a line */
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
    }
}

static void act(const char *name) {
    char result[1024] = "";
    if (strpbrk(folder, "\t\n\\") || strpbrk(name, "\t\n\\")) {
        fix_fail(result, sizeof result, "a tab, newline or backslash in the file's path: rename it");
    } else if (ends_with(name, ".so")) {
        fix_apply(folder, name, result, sizeof result);
    } else {
        fix_revert(folder, name, result, sizeof result);
    }
    write_result(name, result);
}

/* Reads the events waiting on the watch and acts on each patch or revert file. */
void folder_event(int fd) {
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got <= 0) {
            return;
        }
        for (char *p = buf; p < buf + got;) {
            struct inotify_event *e = (struct inotify_event *) p;
            p += sizeof *e + e->len;
            if (e->len > 0 && e->name[0] != '.' && (ends_with(e->name, ".so") || ends_with(e->name, ".revert"))) {
                act(e->name);
            }
        }
    }
}
