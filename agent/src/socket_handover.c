/*
 * tfix restart's socket hand-over, for programs that do not read LISTEN_FDS (merged from the former
 * libtfix-restart.so, so one preload library does both). Inactive unless this process was started by a restart:
 * TFIX_RESTART_HOOK set (the path of this library, which restart puts in LD_PRELOAD) and LISTEN_PID naming this
 * very pid (the fds 3, 4, ... of LISTEN_FDS are then ours). When the program binds a socket to an address one of
 * those handed-over sockets already has, with the same family and type, that socket takes the program's fd (dup3)
 * and bind succeeds: the program goes on to listen (a no-op on a listening socket but for the backlog) and accepts
 * on the very socket the old process listened on. Several handed-over sockets on one address (SO_REUSEPORT) go one
 * per bind, in order. The LISTEN_ variables stay for programs that read them themselves; TFIX_RESTART_HOOK is
 * removed, as the agent removes itself from LD_PRELOAD, so nothing the program starts inherits either.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tfix_agent.h"

#define MAX_FDS 256

static int carriers[MAX_FDS]; /* handed-over fd numbers; -1 once taken */
static int carrier_count;

int handover_start(void) {
    const char *hook = getenv("TFIX_RESTART_HOOK"), *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    if (hook == NULL) {
        return HANDOVER_NONE;
    }
    /* Not the program yet (ptrace's /bin/sh wrapper that sets LISTEN_PID and execs it): stay dormant and in
     * LD_PRELOAD for it. */
    if (pid == NULL || fds == NULL || atoi(pid) != (int) getpid()) {
        return HANDOVER_WRAPPER;
    }
    unsetenv("TFIX_RESTART_HOOK");
    carrier_count = atoi(fds);
    if (carrier_count < 0 || carrier_count > MAX_FDS) {
        carrier_count = 0;
    }
    for (int i = 0; i < carrier_count; i++) {
        carriers[i] = 3 + i;
    }
    return HANDOVER_ACTIVE;
}

static int socket_type(int fd) {
    int type = -1;
    socklen_t len = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 ? type : -1;
}

/* Whether the handed-over socket has the address the program asks for. */
static int same_address(int carrier, const struct sockaddr *want, socklen_t want_len) {
    struct sockaddr_storage have;
    socklen_t have_len = sizeof have;
    if (getsockname(carrier, (struct sockaddr *) &have, &have_len) != 0 || have.ss_family != want->sa_family) {
        return 0;
    }
    if (want->sa_family == AF_INET && want_len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a = (const void *) &have, *b = (const void *) want;
        return a->sin_port == b->sin_port && b->sin_port != 0 && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    if (want->sa_family == AF_INET6 && want_len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a = (const void *) &have, *b = (const void *) want;
        return a->sin6_port == b->sin6_port && b->sin6_port != 0
                && memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
    }
    if (want->sa_family == AF_UNIX) {
        size_t off = offsetof(struct sockaddr_un, sun_path);
        return have_len == want_len && want_len > off
                && memcmp(((const struct sockaddr_un *) &have)->sun_path, ((const struct sockaddr_un *) want)->sun_path,
                        want_len - off) == 0;
    }
    return 0;
}

/* Exported (the library is built with hidden visibility): it must interpose libc's bind. */
__attribute__((visibility("default"))) int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    static int (*real_bind)(int, const struct sockaddr *, socklen_t);
    if (real_bind == NULL) {
        real_bind = (int (*)(int, const struct sockaddr *, socklen_t)) dlsym(RTLD_NEXT, "bind");
    }
    if (addr != NULL && carrier_count > 0) {
        int type = socket_type(fd);
        for (int i = 0; i < carrier_count; i++) {
            int c = carriers[i];
            if (c < 0 || c == fd || socket_type(c) != type || !same_address(c, addr, len)) {
                continue;
            }
            int cloexec = fcntl(fd, F_GETFD);
            if (dup3(c, fd, cloexec >= 0 && (cloexec & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
                break;
            }
            close(c);
            carriers[i] = -1;
            return 0;
        }
    }
    return real_bind(fd, addr, len);
}
