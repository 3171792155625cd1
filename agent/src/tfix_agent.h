/*
 * libtfix-agent.so: tfix's in-process agent, for processes tfix may not trace.
 *
 * Loaded with LD_PRELOAD (it then removes itself from LD_PRELOAD, so children do not inherit it) or linked in.
 * Its constructor starts one control thread, blocked in accept(2) on the abstract Unix socket
 * "\0tfix-agent-<pid>" of the process's network namespace. A peer must be the process's own user or root
 * (SO_PEERCRED); anyone else is closed on at once.
 *
 * Protocol (all integers little-endian, one request then one response, repeated on one connection):
 *   request:  u32 op, u32 length, then length bytes of payload
 *   response: i32 status (0 = done, else an errno value or TFIX_AGENT_BUSY), u32 length, then the payload
 *             (for a non-zero status other than BUSY, the payload is one line of text saying why)
 *
 *   HELLO       ()                                 -> "tfix-agent 1 pid=<pid> signal=<n|auto> nostop=<0|1>"
 *   READ        u64 address, u32 length            -> the bytes (pread of /proc/self/mem)
 *   WRITE       u64 address, bytes                 -> ()  (pwrite of /proc/self/mem: writes read-only code pages
 *                                                      without mprotect, as tfix does from outside)
 *   MAPS        ()                                 -> the text of /proc/self/maps
 *   CALL        u64 function, u32 count, count x (u8 kind: 0 value u64 | 1 buffer u32 length + bytes)
 *                                                  -> u64 result, i32 errno; a buffer argument is passed as a
 *                                                     pointer to a copy, freed after the call. Runs on the control
 *                                                     thread (dlopen, dlerror, mmap, memfd_create, ftruncate, close...)
 *   STOP_WRITE  u32 count, count x (u64 address, u32 length, before[length], after[length])
 *                                                  -> u32 signalled, u32 blocked, u64 freeze nanoseconds; or BUSY with
 *                                                     u32 tid, u32 why (0 executing inside, 1 returns into,
 *                                                     2 system call restarts inside), u32 write index, u64 address
 *       Threads running user code are brought to a safe point with a real-time signal the program leaves at its
 *       default (TFIX_AGENT_SIGNAL=n to choose), installed only for the stop and the program's action put back
 *       exactly; a thread blocked in a system call is not signalled (nanosleep, epoll_wait, poll, select would
 *       return EINTR after any handler): its pc and sp are read from /proc/self/task/TID/syscall. No thread may
 *       execute inside, or hold a return address into, the bytes to change; then every write is checked (the
 *       bytes are still `before`, or already `after`), written, read back (rolled back on a difference), and the
 *       threads released.
 *   THREADS     ()                                 -> text, one line a thread: "tid state"
 *   NOSTOP_WRITE u32 count, count x (u64 address, u32 length = 2, before[2], after[2])
 *                                                  -> u64 nanoseconds from the first int3 to the last barrier,
 *                                                     u32 threads that met an int3 and waited in the handler
 *       No thread is stopped or signalled: for 2-byte sites (even addresses) inside a function's first instruction,
 *       the bytes change int3-first with membarrier SYNC_CORE barriers between the steps, threads that hit an int3
 *       meanwhile wait in a SIGTRAP handler installed for the window only (nostop_write.c says why this is sound).
 *       HELLO says "nostop=1" when the kernel offers the barrier. This closes, for such sites, the race STOP_WRITE
 *       keeps: a thread entering nanosleep/epoll_wait between the agent's /proc read and its signal sees EINTR.
 *   TASK_SYSCALL u32 tid                           -> the text of /proc/self/task/TID/syscall (no stop, no signal:
 *                                                     the inspection verbs see where a blocked thread waits)
 *   PROC_READ   path below /proc/self              -> a file's bytes, a link's target, or a folder's entries one a
 *                                                     line ("name" or "name<TAB>link target"): tfix restart reads
 *                                                     what a process that forbids ptrace keeps from it in /proc
 *   SPAWN       u32 n, i32 fds[n], u32 argc, u32 envc, path, argv..., envp... (NUL-ended)
 *                                                  -> u32 pid: the new program of tfix restart, forked and exec'd
 *                                                     here with fds[i] as its fd 3+i ("LISTEN_PID=" set in the child)
 *   KICK        u32 tid, i32 fd                    -> u32 1 kicked, 0 no longer waiting: a thread blocked in accept
 *                                                     or a receive on fd issues it again (SA_RESTART handler)
 *
 * With TFIX_AGENT_DIR set, the control thread waits in poll(2) on the socket and an inotify watch of that folder:
 * NAME.so dropped there is applied from its fix table, NAME.revert reverts it, NAME.result says how (fix_folder.c).
 */
#ifndef TFIX_AGENT_H
#define TFIX_AGENT_H

#include <stddef.h>
#include <stdint.h>

enum tfix_agent_op {
    TFIX_AGENT_HELLO = 1,
    TFIX_AGENT_READ = 2,
    TFIX_AGENT_WRITE = 3,
    TFIX_AGENT_MAPS = 4,
    TFIX_AGENT_CALL = 5,
    TFIX_AGENT_STOP_WRITE = 6,
    TFIX_AGENT_THREADS = 7,
    TFIX_AGENT_NOSTOP_WRITE = 8,
    TFIX_AGENT_TASK_SYSCALL = 9,
    TFIX_AGENT_PROC_READ = 10,
    TFIX_AGENT_SPAWN = 11,
    TFIX_AGENT_KICK = 12,
};

#define TFIX_AGENT_BUSY 100000
#define TFIX_AGENT_MAX_PAYLOAD (64u << 20)

/* A response being built: a growing buffer. */
struct tfix_reply {
    int32_t status;
    uint8_t *data;
    size_t length, capacity;
};

int reply_add(struct tfix_reply *r, const void *bytes, size_t n);
int reply_fail(struct tfix_reply *r, int status, const char *fmt, ...);

/* memory_ops.c */
void memory_read(const uint8_t *in, size_t n, struct tfix_reply *r);
void memory_write(const uint8_t *in, size_t n, struct tfix_reply *r);
void memory_maps(struct tfix_reply *r);
int memory_pread(uint64_t address, void *out, size_t n);
int memory_pwrite(uint64_t address, const void *bytes, size_t n);
void threads_list(struct tfix_reply *r);
int read_small_file(const char *path, char *out, size_t size);
int memory_fd(void);

/* task_places.c */
void task_syscall(const uint8_t *in, size_t n, struct tfix_reply *r);

/* calls.c */
void call_function(const uint8_t *in, size_t n, struct tfix_reply *r);

/* safe_points.c */
void stop_and_write(const uint8_t *in, size_t n, struct tfix_reply *r);
int pick_signal(struct tfix_reply *r);

/* restart_ops.c, restart_kick.c: tfix restart through the agent */
void proc_read(const uint8_t *in, size_t n, struct tfix_reply *r);
void spawn_program(const uint8_t *in, size_t n, struct tfix_reply *r);
void kick_thread(const uint8_t *in, size_t n, struct tfix_reply *r);

/* nostop_write.c: 2-byte entry jumps written with no thread stopped */
int nostop_available(void);
void nostop_settle(void);
int nostop_unsettled(void);
void nostop_write(const uint8_t *in, size_t n, struct tfix_reply *r);

/* record.c: the patch record tfix keeps in the process */
const char *record_text(size_t *used, uint64_t *capacity, uint8_t **base, const char **why);
int record_append(const char *lines);
int record_scan(void (*line)(char **f, int n, void *ctx), void *ctx, const char **why);

/* elf_file.c: ELF files read from disk */
struct elf_file {
    uint8_t *data;
    size_t size;
};
int elf_open(const char *path, struct elf_file *e);
void elf_close(struct elf_file *e);
const uint8_t *elf_section(const struct elf_file *e, const char *name, size_t *size);
int elf_function(const struct elf_file *e, const char *name, uint64_t *value, uint64_t *size);

/* fix_apply.c, fix_revert.c: a fix table applied in-process (TFIX_AGENT_DIR) */
#define FIX_MAX_BYTES 64
struct fix_site {
    uint64_t address;
    uint32_t length;
    uint8_t original[FIX_MAX_BYTES], jump[FIX_MAX_BYTES];
};
int fix_write(struct fix_site *sites, int count, int undo, char *result, size_t size);
int fix_fail(char *result, size_t size, const char *fmt, ...);

/* fix_refs.c: a folder patch's references to the program's non-exported names, bound into its slots */
#define FIX_MAX_REFS 256
struct fix_refs {
    int count;
    struct {
        uint64_t offset, value;
    } slot[FIX_MAX_REFS];
};
int refs_plan(const char *path, struct fix_refs *refs, char *result, size_t size);
int refs_bind(void *handle, const struct fix_refs *refs, char *result, size_t size);

/* journal.c: tfix's journal, for the folder's writes */
void journal_write(const char *action, const char *function, uint64_t address, const char *old_hex,
        const char *new_hex, const char *patch);

/* fix_folder.c: TFIX_AGENT_DIR */
int folder_watch(void);
void folder_event(int fd);
void fix_apply(const char *dir, const char *name, char *result, size_t size);
void fix_revert(const char *dir, const char *name, char *result, size_t size);

/* socket_handover.c: tfix restart's bind hook, active only in a program a restart started */
enum { HANDOVER_NONE, HANDOVER_WRAPPER, HANDOVER_ACTIVE };
int handover_start(void);

/* control_socket.c */
int control_start(void);

#endif
