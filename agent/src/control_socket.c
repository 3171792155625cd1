/* The control socket: one thread, blocked in accept(2), serving one peer at a time. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tfix_agent.h"

int reply_add(struct tfix_reply *r, const void *bytes, size_t n) {
    if (r->length + n > r->capacity) {
        size_t cap = r->capacity ? r->capacity : 256;
        while (cap < r->length + n) {
            cap *= 2;
        }
        uint8_t *grown = realloc(r->data, cap);
        if (grown == NULL) {
            return -1;
        }
        r->data = grown;
        r->capacity = cap;
    }
    memcpy(r->data + r->length, bytes, n);
    r->length += n;
    return 0;
}

int reply_fail(struct tfix_reply *r, int status, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    r->status = status;
    r->length = 0;
    reply_add(r, line, n < 0 ? 0 : (size_t) n >= sizeof line ? sizeof line - 1 : (size_t) n);
    return -1;
}

static int full(int fd, void *buf, size_t n, int writing) {
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = writing ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return -1;
        }
        p += got;
        n -= (size_t) got;
    }
    return 0;
}

static void hello(struct tfix_reply *r) {
    char line[128];
    const char *sig = getenv("TFIX_AGENT_SIGNAL");
    /* snprintf returns the length it would have written: a long TFIX_AGENT_SIGNAL must not make us send past line. */
    int n = snprintf(line, sizeof line, "tfix-agent 1 pid=%d signal=%.32s nostop=%d", getpid(), sig ? sig : "auto",
            nostop_available());
    reply_add(r, line, n < 0 ? 0 : (size_t) n >= sizeof line ? sizeof line - 1 : (size_t) n);
}

static void dispatch(uint32_t op, const uint8_t *in, size_t n, struct tfix_reply *r) {
    nostop_settle();
    switch (op) {
    case TFIX_AGENT_HELLO: hello(r); break;
    case TFIX_AGENT_READ: memory_read(in, n, r); break;
    case TFIX_AGENT_WRITE: memory_write(in, n, r); break;
    case TFIX_AGENT_MAPS: memory_maps(r); break;
    case TFIX_AGENT_CALL: call_function(in, n, r); break;
    case TFIX_AGENT_STOP_WRITE: stop_and_write(in, n, r); break;
    case TFIX_AGENT_THREADS: threads_list(r); break;
    case TFIX_AGENT_NOSTOP_WRITE: nostop_write(in, n, r); break;
    case TFIX_AGENT_TASK_SYSCALL: task_syscall(in, n, r); break;
    case TFIX_AGENT_PROC_READ: proc_read(in, n, r); break;
    case TFIX_AGENT_SPAWN: spawn_program(in, n, r); break;
    case TFIX_AGENT_KICK: kick_thread(in, n, r); break;
    default: reply_fail(r, EINVAL, "unknown operation %u", op);
    }
}

/* Only the process's own user, or root, may drive it. */
static int peer_allowed(int fd) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return 0;
    }
    return cred.uid == 0 || cred.uid == getuid() || cred.uid == geteuid();
}

static void serve(int fd) {
    for (;;) {
        uint32_t head[2];
        if (full(fd, head, sizeof head, 0) != 0 || head[1] > TFIX_AGENT_MAX_PAYLOAD) {
            return;
        }
        uint8_t *in = malloc(head[1] ? head[1] : 1);
        if (in == NULL || full(fd, in, head[1], 0) != 0) {
            free(in);
            return;
        }
        struct tfix_reply r = {0};
        dispatch(head[0], in, head[1], &r);
        free(in);
        uint32_t out[2] = {(uint32_t) r.status, (uint32_t) r.length};
        int ok = full(fd, out, sizeof out, 1) == 0 && (r.length == 0 || full(fd, r.data, r.length, 1) == 0);
        free(r.data);
        nostop_settle(); /* a write left the SIGTRAP handler installed: put the program's back as soon as it can */
        if (!ok) {
            return;
        }
    }
}

static int listener = -1, watch = -1;

static void *control_loop(void *arg) {
    (void) arg;
    for (;;) {
        /* The folder's events (when watched: poll skips fd -1) and peers, waited for together; a folder event is
         * handled between peers, so no tfix run is mid-session when the agent writes to the record. While a write
         * left its SIGTRAP handler in place, the program's action is tried again every 100 ms; else accept blocks. */
        int unsettled = nostop_unsettled();
        if (watch >= 0 || unsettled) {
            struct pollfd both[2] = {{.fd = listener, .events = POLLIN}, {.fd = watch, .events = POLLIN}};
            int ready = poll(both, 2, unsettled ? 100 : -1);
            if (ready == 0) {
                nostop_settle();
            }
            if (ready <= 0) {
                continue;
            }
            if (watch >= 0 && (both[1].revents & POLLIN)) {
                folder_event(watch);
            }
            if (!(both[0].revents & POLLIN)) {
                continue;
            }
        }
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            return NULL;
        }
        if (peer_allowed(fd)) {
            serve(fd);
        }
        close(fd);
    }
}

int control_start(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int n = snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "tfix-agent-%d", getpid());
    if (bind(fd, (struct sockaddr *) &addr, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0
            || listen(fd, 4) != 0) {
        close(fd);
        return -1;
    }
    /* The control thread takes none of the program's signals: they stay with the program's own threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    listener = fd;
    watch = folder_watch();
    int rc = pthread_create(&t, &attr, control_loop, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(fd);
        return -1;
    }
    pthread_setname_np(t, "tfix-agent");
    return 0;
}
