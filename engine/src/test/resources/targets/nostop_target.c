/* A program whose hot() and hot2() qualify for the agent's write without stopping threads: built with -O2, each
 * starts with an 8-byte instruction and follows a short function whose padding can hold a pad. Eight threads call
 * hot() and hot2() in a tight loop and check every answer is the old or the new one; threads loop on epoll_wait,
 * poll, select and nanosleep with 1 ms time-outs and count any EINTR; with "traps", a thread raises SIGTRAP in a
 * loop into the program's own handler; with "blocktrap", one of the eight blocks SIGTRAP; with "alarm", a thread
 * takes SIGALRM every 1 ms in a handler installed with every signal in its mask (SIGTRAP too) that calls hot();
 * with "forks", two threads fork in a loop with no pause, each child calls hot() and hot2() and exits 0 if the answers are right.
 * "ready" also gives hot's address and that of a shared read-only page (which /proc/self/mem cannot write even
 * with force: a site there makes a write fail midway). Anything wrong prints a line starting "BAD"; every 20 ms the main thread prints
 * "tick N hot=H hot2=H2 eintr=E traps=T trapown=0|1 alarms=A forks=F". */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_long calls, eintrs, traps, alarms, forks;
static int pipefd[2], epfd;

__attribute__((noinline, used)) int before_hot(int x) {
    return x * 3;
}

__attribute__((noinline)) int hot(int x) {
    volatile int one = 1, zero = 0;
    return x + one + zero;
}

__attribute__((noinline, used)) int before_hot2(int x) {
    return x * 5;
}

__attribute__((noinline)) int hot2(int x) {
    volatile int ten = 10, zero = 0;
    return x + ten + zero;
}

static void *worker(void *arg) {
    if (arg != NULL) { /* a thread that blocks SIGTRAP, as programs that take every signal with sigwait do */
        sigset_t trap;
        sigemptyset(&trap);
        sigaddset(&trap, SIGTRAP);
        pthread_sigmask(SIG_BLOCK, &trap, NULL);
    }
    for (int i = 0;; i++) {
        int x = i & 0xffff, r = hot(x), r2 = hot2(x);
        if (r != x + 1 && r != x + 2) printf("BAD result %d for %d\n", r, x);
        if (r2 != x + 10 && r2 != x + 20) printf("BAD result2 %d for %d\n", r2, x);
        atomic_fetch_add(&calls, 1);
    }
    return NULL;
}

static void eintr(const char *call) {
    atomic_fetch_add(&eintrs, 1);
    printf("BAD %s %s\n", call, strerror(errno));
}

static void *waiter(void *arg) {
    long kind = (long) arg;
    for (;;) {
        struct epoll_event ev;
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        struct timespec ms = {0, 1000000L};
        struct timeval tv = {0, 1000};
        fd_set in;
        FD_ZERO(&in);
        FD_SET(pipefd[0], &in);
        if (kind == 0 && epoll_wait(epfd, &ev, 1, 1) < 0) eintr("epoll_wait");
        if (kind == 1 && poll(&pfd, 1, 1) < 0) eintr("poll");
        if (kind == 2 && nanosleep(&ms, NULL) != 0) eintr("nanosleep");
        if (kind == 3 && select(pipefd[0] + 1, &in, NULL, NULL, &tv) < 0) eintr("select");
    }
    return NULL;
}

static void own_trap(int sig) {
    (void) sig;
    atomic_fetch_add(&traps, 1);
}

static void *trapper(void *arg) {
    (void)arg;
    for (;;) {
        struct timespec ms = {0, 1000000L};
        raise(SIGTRAP);
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static void on_alarm(int sig) {
    (void) sig;
    int r = hot(1);
    if (r != 2 && r != 3) {
        static const char bad[] = "BAD alarm result\n";
        (void) !write(1, bad, sizeof bad - 1);
    }
    atomic_fetch_add(&alarms, 1);
}

/* The one thread that takes SIGALRM (every other thread blocks it, so their timed waits see no EINTR). */
static void *alarmed(void *arg) {
    (void) arg;
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
    for (;;) pause();
    return NULL;
}

static void *forker(void *arg) {
    (void) arg;
    for (;;) {
        pid_t child = fork();
        if (child == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* a held child must not outlive a test that ends its parent */
            if (getppid() == 1) _exit(2);
            int ok = 1;
            for (int i = 0; i < 100; i++) {
                int r = hot(i), r2 = hot2(i);
                ok &= (r == i + 1 || r == i + 2) && (r2 == i + 10 || r2 == i + 20);
            }
            _exit(ok ? 0 : 1);
        }
        int status = 0, waited = 0;
        struct timespec short_wait = {0, 50000L}, since, now;
        clock_gettime(CLOCK_MONOTONIC, &since);
        while (child > 0 && (waited = waitpid(child, &status, WNOHANG)) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - since.tv_sec >= 3) { /* a child held (at an int3 copied by fork): say so, end it */
                printf("BAD child %d hung\n", (int) child);
                kill(child, SIGKILL);
                since.tv_sec = now.tv_sec + 3600;
            }
            nanosleep(&short_wait, NULL);
        }
        if (child < 0 || waited != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("BAD child %d status %#x\n", (int) child, status);
        }
        atomic_fetch_add(&forks, 1); /* and at once the next: a fork is nearly always under way */
    }
    return NULL;
}

static int trap_own(void) {
    struct sigaction now;
    sigaction(SIGTRAP, NULL, &now);
    return now.sa_handler == own_trap;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pipefd) != 0 || (epfd = epoll_create1(0)) < 0) return 1;
    pthread_t t;
    if (argc > 1 && strcmp(argv[1], "traps") == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = own_trap;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGTRAP, &sa, NULL);
        pthread_create(&t, NULL, trapper, NULL);
    }
    if (argc > 1 && strcmp(argv[1], "alarm") == 0) {
        sigset_t alrm;
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        pthread_sigmask(SIG_BLOCK, &alrm, NULL); /* inherited by every thread but alarmed() */
        struct sigaction sa = {0};
        sa.sa_handler = on_alarm;
        sa.sa_flags = SA_RESTART;
        sigfillset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        pthread_create(&t, NULL, alarmed, NULL);
        struct itimerval every = {{0, 1000}, {0, 1000}};
        setitimer(ITIMER_REAL, &every, NULL);
    }
    for (int i = 0; i < 2 && argc > 1 && strcmp(argv[1], "forks") == 0; i++) pthread_create(&t, NULL, forker, NULL);
    for (long kind = 0; kind < 4; kind++) pthread_create(&t, NULL, waiter, (void *) kind);
    int blocker = argc > 1 && strcmp(argv[1], "blocktrap") == 0;
    for (int i = 0; i < 8; i++) pthread_create(&t, NULL, worker, blocker && i == 0 ? (void *) 1 : NULL);
    void *locked = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("ready pid=%d hot=%p unwritable=%p\n", getpid(), (void *) hot, locked);
    for (long tick = 0;; tick++) {
        struct timespec req = {0, 20 * 1000000L};
        if (nanosleep(&req, NULL) != 0) eintr("main nanosleep");
        printf("tick %ld hot=%d hot2=%d eintr=%ld traps=%ld trapown=%d alarms=%ld forks=%ld\n", tick, hot(1), hot2(1),
                atomic_load(&eintrs), atomic_load(&traps), trap_own(), atomic_load(&alarms), atomic_load(&forks));
    }
}
