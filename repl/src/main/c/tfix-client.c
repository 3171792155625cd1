/*
 * tfix-client: the launcher's quick way into the resident tfix service (tfix service), which a JVM started per
 * command could never be. Usage (the launcher's): tfix-client JAVA_COMMAND... -- ARGS...
 *
 * It sends ARGS, the working folder, the TFIX_* variables (and the few others that say where tfix keeps its
 * state) to the service's socket, writes what comes back to fds 1 and 2 and exits with the command's code.
 * When no service listens, or the service says the command is not one it runs, it becomes JAVA_COMMAND ARGS
 * (the command line in its own JVM), silently, unless --service was asked for: then it says why, exit 2.
 * TFIX_SERVICE=auto (or --service) starts a service, detached, when none listens; TFIX_SERVICE=off never uses one.
 * The protocol is described in repl/src/main/java/tfix/cli/service/Wire.java.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char **java_argv;  /* JAVA_COMMAND..., NULL-terminated, with room for the arguments */
static char **user_argv;
static int user_argc;

/* Runs the command in its own JVM: what happens when there is no service to ask. */
static void run_in_jvm(void) {
    int n = 0;
    while (java_argv[n]) n++;
    char **v = calloc((size_t)(n + user_argc + 1), sizeof *v);
    if (!v) { perror("tfix"); exit(1); }
    memcpy(v, java_argv, (size_t)n * sizeof *v);
    memcpy(v + n, user_argv, (size_t)user_argc * sizeof *v);
    execvp(v[0], v);
    fprintf(stderr, "tfix: cannot run %s: %s\n", v[0], strerror(errno));
    exit(1);
}

static int socket_path(char *out, size_t size) {
    const char *env = getenv("TFIX_SOCKET");
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    int n;
    if (env && *env) n = snprintf(out, size, "%s", env);
    else if (geteuid() == 0) n = snprintf(out, size, "/run/tfix/service.sock");
    else if (runtime && runtime[0] == '/') n = snprintf(out, size, "%s/tfix/service.sock", runtime);
    else return -1;
    return n > 0 && (size_t)n < size ? 0 : -1;
}

static int connect_to(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) return -1;
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
    close(fd);
    return -1;
}

/* Starts `JAVA_COMMAND service --socket PATH` in a session of its own, its log beside the socket; waits for it. */
static int start_service(const char *path) {
    char dir[PATH_MAX], log[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        mkdir(dir, 0700); /* the service makes it owner-only in any case */
    }
    snprintf(log, sizeof log, "%s.log", path);
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        setsid();
        if (fork() != 0) _exit(0); /* the service is no child of this client's shell */
        int null = open("/dev/null", O_RDWR);
        int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        dup2(null, 0);
        dup2(logfd >= 0 ? logfd : null, 1);
        dup2(logfd >= 0 ? logfd : null, 2);
        int n = 0;
        while (java_argv[n]) n++;
        char **v = calloc((size_t)n + 4, sizeof *v);
        memcpy(v, java_argv, (size_t)n * sizeof *v);
        v[n] = "service";
        v[n + 1] = "--socket";
        v[n + 2] = (char *)path;
        execvp(v[0], v);
        _exit(127);
    }
    waitpid(child, NULL, 0);
    /* The JVM needs about half a second; a socket cannot be waited on before it exists. */
    for (int i = 0; i < 3000; i++) {
        int fd = connect_to(path);
        if (fd >= 0) return fd;
        struct timespec ten_ms = {0, 10 * 1000 * 1000};
        nanosleep(&ten_ms, NULL);
    }
    return -1;
}

struct buf { char *p; size_t len, cap; };

static void put(struct buf *b, const char *s) {
    size_t n = strlen(s) + 1;
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) { perror("tfix"); exit(1); }
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static int relevant(const char *e) {
    return strncmp(e, "TFIX_", 5) == 0 || strncmp(e, "XDG_STATE_HOME=", 15) == 0 || strncmp(e, "XDG_RUNTIME_DIR=", 16) == 0
        || strncmp(e, "HOME=", 5) == 0 || strncmp(e, "JAVA_TOOL_OPTIONS=", 18) == 0;
}

static int write_all(int fd, const char *p, size_t n, int sock) {
    while (n > 0) {
        ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n) {
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

extern char **environ;

int main(int argc, char **argv) {
    int sep = 1;
    while (sep < argc && strcmp(argv[sep], "--") != 0) sep++;
    if (sep >= argc || sep == 1) {
        fprintf(stderr, "tfix-client: usage: tfix-client JAVA_COMMAND... -- ARGS... (the tfix launcher runs it)\n");
        return 2;
    }
    argv[sep] = NULL;
    java_argv = argv + 1;
    user_argv = argv + sep + 1;
    user_argc = argc - sep - 1;
    signal(SIGPIPE, SIG_IGN);

    int demanded = user_argc > 0 && strcmp(user_argv[0], "--service") == 0;
    if (demanded) { user_argv++; user_argc--; }
    const char *mode = getenv("TFIX_SERVICE");
    int automatic = mode && strcmp(mode, "auto") == 0;
    int off = mode && (strcmp(mode, "off") == 0 || strcmp(mode, "0") == 0 || strcmp(mode, "no") == 0);
    char path[PATH_MAX];
    if (socket_path(path, sizeof path) != 0) {
        if (demanded) {
            fprintf(stderr, "tfix: --service: no place for the service's socket (XDG_RUNTIME_DIR is not set): set TFIX_SOCKET\n");
            return 2;
        }
        run_in_jvm();
    }
    if (off && !demanded) run_in_jvm();
    /* `tfix service` starts one: never ask a running service (nor start one) for that. */
    if (user_argc > 0 && strcmp(user_argv[0], "service") == 0 && (user_argc < 2 || strcmp(user_argv[1], "status") != 0))
        run_in_jvm();
    int fd = connect_to(path);
    if (fd < 0 && (demanded || automatic)) fd = start_service(path);
    if (fd < 0) {
        if (demanded) {
            fprintf(stderr, "tfix: --service: no tfix service listens at %s and none could be started (its log: %s.log):"
                    " run without --service\n", path, path);
            return 2;
        }
        run_in_jvm();
    }

    struct buf req = {0};
    char cwd[PATH_MAX], ttys[16], count[16];
    if (!getcwd(cwd, sizeof cwd)) { perror("tfix: getcwd"); return 1; }
    snprintf(ttys, sizeof ttys, "ttys=%d%d%d", isatty(0), isatty(1), isatty(2));
    snprintf(count, sizeof count, "%d", user_argc);
    put(&req, "tfix/1");
    put(&req, cwd);
    put(&req, ttys);
    put(&req, count);
    for (int i = 0; i < user_argc; i++) put(&req, user_argv[i]);
    for (char **e = environ; *e; e++) if (relevant(*e)) put(&req, *e);
    uint32_t len = htonl((uint32_t)req.len);
    if (write_all(fd, (char *)&len, 4, 1) || write_all(fd, req.p, req.len, 1)) {
        if (demanded) { fprintf(stderr, "tfix: --service: the service at %s did not take the command\n", path); return 2; }
        close(fd);
        run_in_jvm();
    }

    char *payload = NULL;
    for (;;) {
        unsigned char head[5];
        if (read_all(fd, head, 5) != 0) break;
        uint32_t n = ((uint32_t)head[1] << 24) | ((uint32_t)head[2] << 16) | ((uint32_t)head[3] << 8) | head[4];
        if (n > (1u << 20)) break;
        payload = realloc(payload, n + 1);
        if (!payload || read_all(fd, payload, n) != 0) break;
        payload[n] = 0;
        switch (head[0]) {
        case 'o': write_all(1, payload, n, 0); break; /* a closed stdout (| head) does not end the command */
        case 'e': write_all(2, payload, n, 0); break;
        case 'x':
            if (n != 4) break;
            return (int)(((uint32_t)(unsigned char)payload[0] << 24) | ((uint32_t)(unsigned char)payload[1] << 16)
                         | ((uint32_t)(unsigned char)payload[2] << 8) | (unsigned char)payload[3]);
        case 'f':
            if (demanded) {
                fprintf(stderr, "tfix: --service: %s (run without --service)\n", payload);
                return 2;
            }
            close(fd);
            run_in_jvm();
            break;
        default:
            break;
        }
    }
    fprintf(stderr, "tfix: the tfix service at %s ended before the command did: the process it worked on is let go;"
            " `tfix status --pid N` shows what is in force\n", path);
    return 1;
}
