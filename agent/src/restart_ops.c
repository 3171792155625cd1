/*
 * tfix restart through the agent, for a process tfix may not trace (and whose /proc it then may not read):
 *   PROC_READ: a file, link or folder under /proc/self, read in-process (fd/, fdinfo/, environ, exe, task/...).
 *   SPAWN:     the new program forked and exec'd from here, so it keeps the service's user, cgroup, namespaces,
 *              limits, environment, working directory and standard streams, with the listening sockets as its fds
 *              3, 4, ... and LISTEN_PID its own pid (the child sets it itself: no shell wrapper needed).
 * The peer is already checked (SO_PEERCRED: the process's user or root), who could do as much through CALL.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tfix_agent.h"

#define MAX_PASSED 256
#define MAX_STRINGS 65536
#define PROC_FILE_MAX (16u << 20)

/* Only below /proc/self, never up out of it: what tfix would read there itself if it could. */
static int proc_path(const uint8_t *in, size_t n, char *path, size_t size) {
    if (n == 0 || n > 200 || memchr(in, 0, n) != NULL || in[0] == '/') {
        return -1;
    }
    int w = snprintf(path, size, "/proc/self/%.*s", (int) n, (const char *) in);
    return w < 0 || (size_t) w >= size || strstr(path, "..") != NULL ? -1 : 0;
}

/* A folder: one line per entry, "name" or "name\tlink target" for a link (fd/ gives every descriptor's target). */
static void list_folder(DIR *d, const char *path, struct tfix_reply *r) {
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char entry[512], target[4096];
        snprintf(entry, sizeof entry, "%s/%s", path, e->d_name);
        ssize_t t = readlink(entry, target, sizeof target - 1);
        reply_add(r, e->d_name, strlen(e->d_name));
        if (t >= 0) {
            reply_add(r, "\t", 1);
            reply_add(r, target, (size_t) t);
        }
        reply_add(r, "\n", 1);
    }
}

void proc_read(const uint8_t *in, size_t n, struct tfix_reply *r) {
    char path[256];
    struct stat st;
    if (proc_path(in, n, path, sizeof path) != 0) {
        reply_fail(r, EINVAL, "PROC_READ takes a path below /proc/self");
        return;
    }
    if (lstat(path, &st) != 0) {
        reply_fail(r, errno, "%s: %s", path, strerror(errno));
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t t = readlink(path, target, sizeof target);
        t < 0 ? reply_fail(r, errno, "%s: %s", path, strerror(errno)) : reply_add(r, target, (size_t) t);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d == NULL) {
            reply_fail(r, errno, "%s: %s", path, strerror(errno));
            return;
        }
        list_folder(d, path, r);
        closedir(d);
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        reply_fail(r, errno, "%s: %s", path, strerror(errno));
        return;
    }
    char buf[8192];
    for (ssize_t got; (got = read(fd, buf, sizeof buf)) != 0;) {
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 || r->length + (size_t) got > PROC_FILE_MAX) {
            reply_fail(r, got < 0 ? errno : EFBIG, "%s: %s", path, got < 0 ? strerror(errno) : "too long");
            break;
        }
        reply_add(r, buf, (size_t) got);
    }
    close(fd);
}

/* The child between fork and exec: async-signal-safe calls only (other threads' locks were copied held). */
static void child(int passed, const int *high, int report, char *listen_pid, char *path, char **argv, char **envp) {
    sigset_t none;
    sigemptyset(&none);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(long)); /* the control thread blocks signals */
    for (int i = 0; i < passed; i++) {
        if (dup2(high[i], 3 + i) != 3 + i) { /* dup2 clears close-on-exec: these, and only these, are passed */
            goto failed;
        }
    }
    /* Every other descriptor from 3+passed up is closed: the old program's client connections must not live on in
     * the new one (their clients would never see them end). The report pipe is close-on-exec. */
    if (syscall(SYS_close_range, 3 + passed, report - 1, 0) != 0 || syscall(SYS_close_range, report + 1, ~0u, 0) != 0) {
        goto failed;
    }
    if (listen_pid != NULL) {
        char digits[16];
        int k = 0;
        for (long p = syscall(SYS_getpid); p > 0; p /= 10) {
            digits[k++] = (char) ('0' + p % 10);
        }
        while (k > 0) {
            *listen_pid++ = digits[--k];
        }
        *listen_pid = 0;
    }
    execve(path, argv, envp);
failed:;
    int e = errno;
    (void) !write(report, &e, sizeof e);
    _exit(127);
}

/* payload: u32 passed, i32 fds[passed], u32 argc, u32 envc, then path, argv[argc], envp[envc] each NUL-ended;
 * an envp entry "LISTEN_PID=" gets the child's pid. -> u32 pid */
void spawn_program(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint32_t passed, argc, envc;
    if (n < 12) {
        reply_fail(r, EINVAL, "SPAWN payload is malformed");
        return;
    }
    memcpy(&passed, in, 4);
    if (passed > MAX_PASSED || n < 12 + 4ul * passed) {
        reply_fail(r, EINVAL, "SPAWN payload is malformed");
        return;
    }
    memcpy(&argc, in + 4 + 4ul * passed, 4);
    memcpy(&envc, in + 8 + 4ul * passed, 4);
    size_t at = 12 + 4ul * passed;
    uint32_t count = 1 + argc + envc;
    if (argc == 0 || argc > MAX_STRINGS || envc > MAX_STRINGS || in[n - 1] != 0) {
        reply_fail(r, EINVAL, "SPAWN payload is malformed");
        return;
    }
    /* Everything the child needs is made here, before the fork: it may not allocate. */
    char *copy = malloc(n - at + 32), **strings = calloc(count + 2, sizeof(char *)), *listen_pid = NULL;
    int high[MAX_PASSED], made = 0, pipe_fds[2] = {-1, -1}, report = -1;
    if (copy == NULL || strings == NULL) {
        reply_fail(r, ENOMEM, "no memory for the new program's arguments");
        goto out;
    }
    memcpy(copy, in + at, n - at);
    uint32_t k = 0;
    for (size_t i = 0; i < n - at && k < count; i += strlen(copy + i) + 1) {
        strings[k++] = copy + i;
    }
    if (k != count) {
        reply_fail(r, EINVAL, "SPAWN payload is malformed");
        goto out;
    }
    char **argv = strings + 1, **envp = strings + 1 + argc + 1;
    memmove(envp, strings + 1 + argc, envc * sizeof(char *));
    envp[envc] = NULL;
    argv[argc] = NULL;
    for (uint32_t i = 0; i < envc; i++) {
        if (strcmp(envp[i], "LISTEN_PID=") == 0) {
            static char slot[32] = "LISTEN_PID=";
            envp[i] = slot;
            listen_pid = slot + 11;
        }
    }
    for (; made < (int) passed; made++) {
        int fd;
        memcpy(&fd, in + 4 + 4ul * made, 4);
        /* High and close-on-exec, so that nothing else inherits them and the child's dup2 to 3+i collides with none. */
        if ((high[made] = fcntl(fd, F_DUPFD_CLOEXEC, 3 + (int) passed)) < 0) {
            reply_fail(r, errno, "descriptor %d cannot be passed: %s", fd, strerror(errno));
            goto out;
        }
    }
    if (pipe2(pipe_fds, O_CLOEXEC) != 0 || (report = fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, 3 + (int) passed)) < 0) {
        reply_fail(r, errno, "no pipe for the new program's start: %s", strerror(errno));
        goto out;
    }
    close(pipe_fds[1]);
    pipe_fds[1] = -1;
    /* A raw fork: no atfork handler of the program (nor the agent's) runs, as with ptrace's posix_spawn. */
    long pid = syscall(SYS_fork);
    if (pid == 0) {
        child((int) passed, high, report, listen_pid, strings[0], argv, envp);
    }
    if (pid < 0) {
        reply_fail(r, errno, "fork failed: %s", strerror(errno));
        goto out;
    }
    close(report);
    report = -1;
    int err = 0;
    ssize_t got;
    while ((got = read(pipe_fds[0], &err, sizeof err)) < 0 && errno == EINTR) {
    }
    if (got > 0) {
        waitpid((pid_t) pid, NULL, 0); /* it exits at once: reaped here, never a zombie child of the program */
        reply_fail(r, err, "%s could not be started: %s", strings[0], strerror(err));
        goto out;
    }
    uint32_t child_pid = (uint32_t) pid;
    reply_add(r, &child_pid, 4);
out:
    for (int i = 0; i < made; i++) {
        close(high[i]);
    }
    if (pipe_fds[0] >= 0) {
        close(pipe_fds[0]);
    }
    if (pipe_fds[1] >= 0) {
        close(pipe_fds[1]);
    }
    if (report >= 0) {
        close(report);
    }
    free(copy);
    free(strings);
}
