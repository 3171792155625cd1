/*
 * Where a thread waits, for tfix's inspection verbs (threads, where, disas's marks): /proc/self/task/TID/syscall
 * read in-process, since a process that forbids ptrace keeps that file from tfix too. Nothing is signalled or
 * stopped: a thread blocked in a system call is seen where it waits; one running user code is only named as such.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tfix_agent.h"

void task_syscall(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint32_t tid;
    if (n != 4) {
        reply_fail(r, EINVAL, "TASK_SYSCALL payload is malformed");
        return;
    }
    memcpy(&tid, in, 4);
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/self/task/%u/syscall", tid);
    int got = tid == 0 ? -1 : read_small_file(path, line, sizeof line);
    if (got < 0) {
        reply_fail(r, ESRCH, "no thread %u in this process", tid);
        return;
    }
    while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == ' ')) {
        got--;
    }
    reply_add(r, line, (size_t) got);
}
