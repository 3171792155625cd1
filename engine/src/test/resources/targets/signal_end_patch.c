/* A patch whose constructor meddles with the signals that end tfix's calls, in the thread that loads it: it
 * installs a handler for SIGURG, raises SIGURG once (the program's own signal: its handler must run), then
 * blocks SIGURG, SIGWINCH and SIGCHLD in that thread and leaves them blocked. */
#include <pthread.h>
#include <signal.h>

static volatile sig_atomic_t handled;

static void on_urg(int sig) {
    (void)sig;
    handled++;
}

__attribute__((constructor)) static void meddle(void) {
    struct sigaction sa = {.sa_handler = on_urg, .sa_flags = SA_RESTART};
    sigaction(SIGURG, &sa, NULL);
    raise(SIGURG);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGURG);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* How many times the handler ran. */
int urg_handled(void) {
    return handled;
}
