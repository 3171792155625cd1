/*
 * Shared by the no-stop write's files (nostop_write.c: the request and the soundness argument; nostop_poke.c: the
 * text_poke_bp sequence; nostop_trap.c: the trap-window handler; nostop_guards.c: the fork, membarrier and mask
 * guards). Internal to the agent: nothing here is exported (-fvisibility=hidden).
 */
#ifndef NOSTOP_H
#define NOSTOP_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tfix_agent.h"

#define MAX_SITES 256
#define MAX_TASKS 4096
#define INT3 0xcc
/* How long a write waits for threads to show they are past the trap path (its reply waits that long at most), and
 * a settle (before each request, and every 100 ms from the control loop while the handler stays). */
#define BATCH_QUIET_MS 1000
#define SETTLE_MS 20

struct two {
    uint64_t address;
    uint8_t before[2], after[2];
};

extern struct two sites[MAX_SITES];
extern _Atomic uint32_t site_count;
/* 1 while a batch is being written: threads trapped at a site wait; 0 once every site is whole. */
extern _Atomic int trap_holding, trap_inside, trapped;
extern int trap_installed;
/* 1 after a roll-back that failed: a site may still hold an int3 of ours. Until a later roll-back succeeds the
 * handler stays, threads at the sites stay held, sites[] is kept (a new batch is refused) and nothing settles. */
extern _Atomic int stuck;

/* A raw system call: no libc (a site may lie in it) and errno left alone. */
static inline long raw6(long n, long a, long b, long c, long d) {
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}

/* nostop_poke.c */
int get(uint64_t address, uint8_t *bytes, long n);
long differs(uint32_t n, int after);
int switch_all(uint32_t n, int to_after, uint32_t *failed);
int roll_back(uint32_t n, uint32_t *failed);

/* nostop_trap.c */
int await_quiet(long wait_ms);
void install_trap(void);
void restore_trap(void);

/* nostop_guards.c */
int await_forks(void);
int blocks_trap(void);
int handler_blocks_trap(void);

#endif
