/*
 * The text_poke_bp sequence of the no-stop write (nostop_write.c gives the soundness argument): int3 on every
 * site's first byte, barrier, every second byte, barrier, every first byte, barrier; and its roll-back. From the
 * first int3 to the last barrier the control thread runs here with raw system calls only: libc may hold a site.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "nostop.h"

static int barrier(void) {
    return raw6(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0, 0) == 0 ? 0 : -1;
}

static int put(uint64_t address, const uint8_t *bytes, long n) {
    return raw6(SYS_pwrite64, memory_fd(), (long) bytes, n, (long) address) == n ? 0 : -1;
}

int get(uint64_t address, uint8_t *bytes, long n) {
    return raw6(SYS_pread64, memory_fd(), (long) bytes, n, (long) address) == n ? 0 : -1;
}

/* Every site holds `after` (or `before`), read back; the index of the first that does not, else -1. */
long differs(uint32_t n, int after) {
    for (uint32_t i = 0; i < n; i++) {
        uint8_t now[2];
        const uint8_t *want = after ? sites[i].after : sites[i].before;
        if (get(sites[i].address, now, 2) != 0 || now[0] != want[0] || now[1] != want[1]) {
            return i;
        }
    }
    return -1;
}

/* The three steps to `after` (or `before`) on every site; -1 (and where) at the first write or barrier that failed. */
int switch_all(uint32_t n, int to_after, uint32_t *failed) {
    static const uint8_t int3 = INT3;
    for (uint32_t i = 0; i < n; i++) {
        if (put(sites[i].address, &int3, 1) != 0) {
            *failed = i;
            return -1;
        }
    }
    if (barrier() != 0) {
        *failed = 0;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *b = to_after ? sites[i].after : sites[i].before;
        if (put(sites[i].address + 1, b + 1, 1) != 0) {
            *failed = i;
            return -1;
        }
    }
    if (barrier() != 0) {
        *failed = 0;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *b = to_after ? sites[i].after : sites[i].before;
        if (put(sites[i].address, b, 1) != 0) {
            *failed = i;
            return -1;
        }
    }
    return barrier();
}

/* Puts `before` back wherever a failed switch_all left anything else, by the same three steps, but only on sites
 * that do not hold `before` already and only past an int3 of ours that was written (a site whose int3 cannot be
 * written is left as it is: changing its second byte under a live first one could be seen torn). Carries on past a
 * failing site so every other one is made whole. 0 when every site reads back `before`, the last barrier done. */
int roll_back(uint32_t n, uint32_t *failed) {
    static const uint8_t int3 = INT3;
    uint8_t held[MAX_SITES];
    for (uint32_t i = 0; i < n; i++) {
        uint8_t now[2];
        held[i] = 0;
        if (get(sites[i].address, now, 2) == 0 && now[0] == sites[i].before[0] && now[1] == sites[i].before[1]) {
            continue;
        }
        held[i] = put(sites[i].address, &int3, 1) == 0;
    }
    if (barrier() != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (held[i] && put(sites[i].address + 1, sites[i].before + 1, 1) != 0) {
            held[i] = 0; /* its int3 stays: a thread there waits, it never runs a torn instruction */
        }
    }
    if (barrier() != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (held[i]) {
            put(sites[i].address, sites[i].before, 1);
        }
    }
    long bad = barrier() == 0 ? differs(n, 0) : 0;
    *failed = bad < 0 ? 0 : (uint32_t) bad;
    return bad < 0 ? 0 : -1;
}
