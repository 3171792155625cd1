/*
 * The folder's writes in tfix's journal (engine guard.Journal): one JSON object per line, appended under a POSIX
 * lock as tfix does, to TFIX_JOURNAL, else /var/log/tfix/journal.jsonl as root, else the user's XDG state folder.
 * A journal the process may not write to is skipped: the .result file still says what was done.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tfix_agent.h"

static void path_of(char *out, size_t size) {
    const char *env = getenv("TFIX_JOURNAL"), *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (env && *env) {
        snprintf(out, size, "%s", env);
    } else if (geteuid() == 0) {
        snprintf(out, size, "/var/log/tfix/journal.jsonl");
    } else if (state && *state) {
        snprintf(out, size, "%s/tfix/journal.jsonl", state);
    } else {
        snprintf(out, size, "%s/.local/state/tfix/journal.jsonl", home ? home : "/");
    }
}

/* s as a JSON string; names here hold no control characters (the folder refuses tabs and newlines). */
static int quoted(char *out, size_t size, const char *s) {
    size_t n = 0;
    out[n++] = '"';
    for (; *s && n + 3 < size; s++) {
        if (*s == '"' || *s == '\\') {
            out[n++] = '\\';
        }
        out[n++] = (unsigned char) *s < 0x20 ? '?' : *s;
    }
    out[n++] = '"';
    out[n] = 0;
    return (int) n;
}

void journal_write(const char *action, const char *function, uint64_t address, const char *old_hex,
        const char *new_hex, const char *patch) {
    char path[PATH_MAX], when[64], user[128], fn[600], file[2 * PATH_MAX + 8], line[4 * PATH_MAX];
    path_of(path, sizeof path);
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    struct passwd *pw = getpwuid(geteuid());
    quoted(user, sizeof user, pw ? pw->pw_name : "?");
    quoted(fn, sizeof fn, function);
    quoted(file, sizeof file, patch);
    int n = snprintf(line, sizeof line, "{\"time\":\"%s.%03ldZ\",\"user\":%s,\"pid\":%d,\"action\":\"%s\",\"function\":%s,"
            "\"address\":\"%#lx\",\"old\":\"%s\",\"new\":\"%s\",\"patch\":%s,\"sha256\":null,\"route\":\"agent-folder\"}\n",
            when, (long) now.tv_usec / 1000, user, getpid(), action, fn, (unsigned long) address, old_hex, new_hex, file);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0 || n <= 0 || (size_t) n >= sizeof line) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLKW, &lock) == 0) {
        if (write(fd, line, (size_t) n) != n) {
            /* a short write to a full disk: the record in the process and the .result still hold the truth */
        }
    }
    close(fd);
}
