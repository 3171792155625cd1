/*
 * Writing 2-byte entry jumps with no thread stopped and no signal sent (the way the kernel patches its own text,
 * text_poke_bp), for sites where that is sound.
 *
 * Why no thread needs to be stopped. Each site is 2 bytes, 2-aligned, and lies inside the first instruction of a
 * function (tfix plans this shape only when that instruction is at least 2 bytes long). So no thread can be
 * executing between the two bytes, no branch lands on the second one, and no return address points there: the
 * only way into the bytes is through their first one. The bytes become `jmp rel8` to a pad (a 5-byte jump in unused
 * padding nearby, written before any of this, that no thread executes yet). Intel's rule for cross-modifying code
 * (SDM vol. 3, 8.1.3) allows writing one byte under a running CPU if that byte is an int3, and anything else once
 * every CPU that may run the code has executed a serialising instruction after the write:
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) gives exactly that for every CPU of this mm. Order:
 *   int3 on every site's first byte   -> barrier  (from now on a thread at a site traps, whole)
 *   every site's second byte          -> barrier  (nobody can read it: the first byte traps)
 *   every site's first byte           -> barrier  (the new instruction is whole everywhere)
 * A thread that executes an int3 of ours meanwhile gets SIGTRAP; our handler (installed for the window only, the
 * program's action put back exactly) parks it until every site of the batch is whole (written or rolled back), then
 * sends it back to the site's first byte, so a batch of many sites switches for every thread at once. Every byte is
 * read back; a difference rolls every site back by the same sequence (roll_back: only sites not already whole, a
 * second byte only under an int3 that was written, carrying on past a failing site). A revert is the same write the
 * other way. If the roll-back itself fails, a site may keep an int3: the agent is then `stuck` and keeps its handler
 * and sites[] (threads there stay held, which is safe, never run half an instruction), refuses new batches and
 * tries the roll-back again at each later write; nothing puts the program's SIGTRAP action back meanwhile.
 * No thread is signalled: a thread blocked in nanosleep, epoll_wait, poll or select cannot see EINTR because of us.
 *
 * A thread that meets an int3 with SIGTRAP blocked is killed (the kernel forces a blocked trap signal to its default
 * action). So the handler runs with SIGTRAP unblocked (SA_NODEFER, not in its mask): a parked thread that a program
 * handler takes to a site, or the program's SIGTRAP handler called from ours, traps again and waits too. While
 * parked it calls no libc (raw futex), since a site may lie there. The agent declines (ENOTSUP: the engine stops the
 * threads instead) when a thread's mask holds SIGTRAP, or any installed handler's sa_mask does (sigfillset), just
 * before the first int3. Remaining window: masks are read once; a thread that blocks SIGTRAP itself
 * (pthread_sigmask/sigprocmask with a full set) after that read, and calls a site before the batch is whole, dies.
 *
 * fork() copies the text: the agent's atfork handlers make a fork wait until the batch is whole and a batch wait
 * for forks under way, and give the child the program's SIGTRAP action back (see fork_prepare for what is left).
 *
 * The agent is inside the process: a tfix CLI killed mid-command cannot leave an int3 unhandled, since the agent
 * finishes the batch or rolls it back whatever happens to its peer (the request is read whole before any byte).
 *
 * Between the first int3 and the last barrier the control thread calls no libc function (raw system calls only): it
 * must not run code that a site being written may lie in.
 *
 * The parts: nostop_poke.c (the three steps and the roll-back), nostop_trap.c (the handler, and when the program's
 * SIGTRAP action goes back), nostop_guards.c (membarrier, forks, masks); this file takes the request.
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

struct two sites[MAX_SITES];
_Atomic uint32_t site_count;
_Atomic int trap_holding, trap_inside, trapped;
int trap_installed;
_Atomic int stuck;

/* How long a write waits for threads to show they are past the trap path (its reply waits that long at most). */
#define BATCH_QUIET_MS 1000

static int parse(const uint8_t *in, size_t n, uint32_t *count, struct tfix_reply *r) {
    if (n < 4) {
        return reply_fail(r, EINVAL, "NOSTOP_WRITE payload is malformed");
    }
    memcpy(count, in, 4);
    if (*count == 0 || *count > MAX_SITES || n != 4 + (size_t) *count * 16) {
        return reply_fail(r, EINVAL, "NOSTOP_WRITE payload is malformed");
    }
    for (uint32_t i = 0; i < *count; i++) {
        const uint8_t *at = in + 4 + (size_t) i * 16;
        uint32_t length;
        memcpy(&sites[i].address, at, 8);
        memcpy(&length, at + 8, 4);
        memcpy(sites[i].before, at + 12, 2);
        memcpy(sites[i].after, at + 14, 2);
        if (length != 2 || (sites[i].address & 1) != 0) {
            return reply_fail(r, EINVAL, "NOSTOP_WRITE writes 2 bytes at an even address, not %u at %#lx", length,
                    (unsigned long) sites[i].address);
        }
    }
    return 0;
}

void nostop_write(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint32_t count = 0;
    if (!nostop_available()) {
        reply_fail(r, ENOTSUP, "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) is not available here");
        return;
    }
    uint32_t undo_failed = 0;
    if (stuck) { /* the last batch's roll-back failed: try it again, take nothing new until it holds */
        if (roll_back(atomic_load(&site_count), &undo_failed) != 0) {
            reply_fail(r, EIO, "a failed roll-back left an int3 at %#lx (threads there stay held) and it fails again;"
                    " nothing was changed", (unsigned long) sites[undo_failed].address);
            return;
        }
        stuck = 0;
        atomic_store(&trap_holding, 0);
        raw6(SYS_futex, (long) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, 0);
    }
    if (atomic_load(&trap_inside) != 0 || (trap_installed && await_quiet(BATCH_QUIET_MS) != 0)) {
        /* sites[] must stay as it is for a thread still on its way; a write in a stop needs none of it. */
        reply_fail(r, ENOTSUP, "a thread may not yet have left the last write's trap handler: written in a stop"
                " instead; nothing was changed");
        return;
    }
    atomic_store(&site_count, 0);
    if (parse(in, n, &count, r) != 0) {
        return;
    }
    if (differs(count, 0) >= 0) {
        long i = differs(count, 1) < 0 ? -1 : differs(count, 0);
        if (i < 0) {
            uint64_t zero = 0;
            reply_add(r, &zero, 8);
            return; /* every site holds its new bytes already */
        }
        reply_fail(r, EAGAIN, "the bytes at %#lx changed since they were checked; nothing was changed",
                (unsigned long) sites[i].address);
        return;
    }
    int blocking = blocks_trap();
    if (blocking != 0) {
        reply_fail(r, ENOTSUP, "thread %d blocks SIGTRAP: an int3 would kill it; nothing was changed", blocking);
        return;
    }
    int masking = handler_blocks_trap();
    if (masking != 0) {
        reply_fail(r, ENOTSUP, "the handler of signal %d blocks SIGTRAP: an int3 met inside it would kill the thread;"
                " nothing was changed", masking);
        return;
    }
    install_trap();
    atomic_store(&trap_holding, 1);
    if (await_forks() != 0) {
        atomic_store(&trap_holding, 0);
        syscall(SYS_futex, (int *) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, NULL, NULL, 0);
        reply_fail(r, ENOTSUP, "a fork stayed under way for 1 s: written in a stop instead; nothing was changed");
        return;
    }
    atomic_store(&trapped, 0);
    atomic_store(&site_count, count);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t failed = 0;
    int wrote = switch_all(count, 1, &failed) == 0 && differs(count, 1) < 0;
    int whole = wrote || roll_back(count, &undo_failed) == 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stuck = !whole;
    if (stuck) { /* a fork waiting for the batch goes on (see fork_prepare); parked threads wait again */
        raw6(SYS_futex, (long) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, 0);
    }
    if (whole) {
        atomic_store(&trap_holding, 0);
        syscall(SYS_futex, (int *) &trap_holding, FUTEX_WAKE_PRIVATE, 1 << 30, NULL, NULL, 0);
        if (await_quiet(BATCH_QUIET_MS) == 0) {
            restore_trap();
        }
    }
    uint64_t ns = (uint64_t) (t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t) (t1.tv_nsec - t0.tv_nsec);
    if (wrote) {
        uint32_t met = (uint32_t) atomic_load(&trapped); /* threads that met an int3 of this batch and waited */
        reply_add(r, &ns, 8);
        reply_add(r, &met, 4);
    } else if (whole) {
        reply_fail(r, EIO, "writing or reading back the 2 bytes at %#lx failed; every site rolled back",
                (unsigned long) sites[failed].address);
    } else {
        /* Threads stay parked at an int3 rather than run half an instruction: nothing else is safe. The handler
         * stays (stuck); the next NOSTOP_WRITE tries the roll-back again first. */
        reply_fail(r, EIO, "the roll-back at %#lx failed too: threads at the sites stay held until a later roll-back"
                " succeeds (the agent tries again at the next write)", (unsigned long) sites[undo_failed].address);
    }
}
