/* A small TCP server for tfix restart tests. Each request line gets "VERSION PID\n" back.
 * usage: restart_server epoll|threads [PORT|/unix/path [own]]
 * It takes its listening socket from LISTEN_FDS when LISTEN_PID is its own pid (a restart) unless "own" is
 * given, else it binds 127.0.0.1 on PORT (default: a free port). Prints "ready pid=N port=P inherited=0|1". No fork anywhere. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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
        pthread_t t;
        pthread_create(&t, NULL, serve, (void *) (long) c);
        pthread_detach(t);
    }
    return NULL;
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
    struct sockaddr_in a = {0};
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *) &a, &al); /* a Unix socket: port 0 */
    printf("ready pid=%d port=%d inherited=%d version=%s\n", getpid(), a.sin_family == AF_INET ? ntohs(a.sin_port) : 0,
           inherited, VERSION);
    if (argc > 1 && strcmp(argv[1], "threads") == 0) {
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
