/* A small TCP server for tfix restart tests. Each request line gets "VERSION PID\n" back.
 * usage: restart_server epoll|threads|poll|select|notify [PORT|/unix/path [own]]
 * poll/select wait for clients in poll/select (a thread per connection); notify says READY=1 on NOTIFY_SOCKET only
 * after a second and then accepts without blocking, napping between tries: /proc never shows it waiting for clients.
 * With RESTART_SPARE set and no inherited socket, it also listens on a second port it never accepts on (spare=P).
 * After start it sets RESTART_SET_BY=<its pid> in its environment (what a restart must carry over).
 * Built with -DFORCE_MODE="epoll", the mode argument is ignored.
 * It takes its listening socket from LISTEN_FDS when LISTEN_PID is its own pid (a restart) unless "own" is
 * given, else it binds 127.0.0.1 on PORT (default: a free port). Prints "ready pid=N port=P inherited=0|1". No fork anywhere. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <poll.h>
#include <sys/select.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <fcntl.h>

#ifndef VERSION
#define VERSION "v1"
#endif

static char reply[64];

static int inherited_listener(void) {
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    if (pid == NULL || fds == NULL || atoi(pid) != getpid() || atoi(fds) < 1) {
        return -1;
    }
    return 3;
}

static int unix_listener(const char *path) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    unlink(path);
    if (bind(s, (struct sockaddr *) &a, sizeof a) != 0 || listen(s, 512) != 0) {
        perror("bind/listen");
        exit(1);
    }
    return s;
}

static int own_listener(int port) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    if (bind(s, (struct sockaddr *) &a, sizeof a) != 0 || listen(s, 512) != 0) {
        perror("bind/listen");
        exit(1);
    }
    return s;
}

/* Answers every whole line in buf[0..*len); keeps the rest. Returns -1 when the peer is gone. */
static int answer(int fd, char *buf, size_t *len) {
    char *nl;
    while ((nl = memchr(buf, '\n', *len)) != NULL) {
        size_t used = (size_t) (nl - buf) + 1;
        if (write(fd, reply, strlen(reply)) < 0) {
            return -1;
        }
        memmove(buf, buf + used, *len - used);
        *len -= used;
    }
    return 0;
}

static void *serve(void *arg) {
    int fd = (int) (long) arg;
    char buf[4096];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n <= 0) {
            break;
        }
        len += (size_t) n;
        if (answer(fd, buf, &len) < 0) {
            break;
        }
    }
    close(fd);
    return NULL;
}

static void spawn_server(int c) {
    pthread_t t;
    pthread_create(&t, NULL, serve, (void *) (long) c);
    pthread_detach(t);
}

static void *acceptor(void *arg) {
    int ls = (int) (long) arg;
    for (;;) {
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) {
                continue;
            }
            perror("accept");
            exit(2);
        }
        spawn_server(c);
    }
    return NULL;
}

static void run_poll(int ls, int use_select) {
    fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) | O_NONBLOCK); /* woken for a client another took: no blocking accept */
    for (;;) {
        int n;
        if (use_select) {
            fd_set r;
            FD_ZERO(&r);
            FD_SET(ls, &r);
            n = select(ls + 1, &r, NULL, NULL, NULL);
        } else {
            struct pollfd p = {.fd = ls, .events = POLLIN};
            n = poll(&p, 1, -1);
        }
        if (n <= 0) {
            continue;
        }
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC); /* a blocking connection: accept4 does not pass O_NONBLOCK on */
        if (c >= 0) {
            spawn_server(c);
        }
    }
}

/* sd_notify by hand: one datagram to NOTIFY_SOCKET ('@' = abstract). */
static void notify_ready(void) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == 0) {
        return;
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    if (n >= sizeof a.sun_path) {
        return;
    }
    memcpy(a.sun_path, path, n);
    if (path[0] == '@') {
        a.sun_path[0] = 0;
    }
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sendto(s, "READY=1\n", 8, 0, (struct sockaddr *) &a, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n));
    close(s);
    printf("sent READY=1 pid=%d\n", getpid());
}

static void run_notify(int ls) {
    struct timespec late = {.tv_sec = 1}, nap = {.tv_nsec = 1000000};
    nanosleep(&late, NULL);
    notify_ready();
    fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) | O_NONBLOCK);
    for (;;) {
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) {
            spawn_server(c);
        } else {
            nanosleep(&nap, NULL);
        }
    }
}

static void run_epoll(int ls) {
    static char bufs[1024][512];
    static size_t lens[1024];
    fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) | O_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (c < 0) {
                    if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) {
                        continue;
                    }
                    perror("accept");
                    exit(2);
                }
                if (c >= 1024) {
                    close(c);
                    continue;
                }
                lens[c] = 0;
                struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                continue;
            }
            ssize_t r = read(fd, bufs[fd] + lens[fd], sizeof bufs[fd] - lens[fd]);
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            if (r > 0) {
                lens[fd] += (size_t) r;
            }
            if (r <= 0 || answer(fd, bufs[fd], &lens[fd]) < 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
            }
        }
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(reply, sizeof reply, "%s %d\n", VERSION, getpid());
    int own = argc > 3 && strcmp(argv[3], "own") == 0;
    int ls = own ? -1 : inherited_listener();
    int inherited = ls >= 0;
    if (!inherited) {
        ls = argc > 2 && argv[2][0] == '/' ? unix_listener(argv[2]) : own_listener(argc > 2 ? atoi(argv[2]) : 0);
    }
    int spare = 0;
    if (!inherited && getenv("RESTART_SPARE") != NULL) {
        struct sockaddr_in sa = {0};
        socklen_t sl = sizeof sa;
        getsockname(own_listener(0), (struct sockaddr *) &sa, &sl);
        spare = ntohs(sa.sin_port);
    }
    char by[32];
    snprintf(by, sizeof by, "%d", getpid());
    setenv("RESTART_SET_BY", by, 1);
    struct sockaddr_in a = {0};
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *) &a, &al); /* a Unix socket: port 0 */
    printf("ready pid=%d port=%d inherited=%d version=%s spare=%d\n", getpid(),
           a.sin_family == AF_INET ? ntohs(a.sin_port) : 0, inherited, VERSION, spare);
    const char *mode = argc > 1 ? argv[1] : "epoll";
#ifdef FORCE_MODE
    mode = FORCE_MODE;
#endif
    if (strcmp(mode, "poll") == 0 || strcmp(mode, "select") == 0) {
        run_poll(ls, strcmp(mode, "select") == 0);
    } else if (strcmp(mode, "notify") == 0) {
        run_notify(ls);
    } else if (strcmp(mode, "threads") == 0) {
        pthread_t t[3];
        for (int i = 0; i < 3; i++) {
            pthread_create(&t[i], NULL, acceptor, (void *) (long) ls);
        }
        acceptor((void *) (long) ls);
    } else {
        run_epoll(ls);
    }
    return 0;
}
