/*
 * gameserver - a small, stateful toy game server used to demonstrate tfix.
 *
 * Usage: gameserver [port]      (port 0 or no argument: pick a free port)
 *        A listening socket handed over as LISTEN_FDS (tfix restart) is taken instead.
 *
 * The main thread runs a tick loop (one tick every 100 ms).  Every tick one
 * player kills another, and score_for_kill() decides how many points the kill
 * is worth.  score_for_kill() has a bug (see below) that tfix can fix in the
 * running process by redirecting it to score_for_kill_v2() from
 * libfix_score.so.  Players, scores and counters stay in memory, so a live
 * patch keeps all of them; a restart would lose them.
 *
 * A second thread accepts TCP connections on 127.0.0.1 and answers a tiny
 * line protocol, one thread per client:
 *
 *   status   ->  "player <name> score=<n> kills=<n> rounds=<n>[ benched]" per player,
 *                then "tick=<n>", then "end"
 *   bench N  ->  puts player N on the bench ("bench -N" takes them off), "ok"
 *   quit     ->  closes the connection
 *   other    ->  "error unknown command"
 *
 * The network threads use plain blocking accept()/read() on purpose: a live
 * patcher must leave threads that sit in system calls undisturbed.
 *
 * stdout (line buffered):
 *   ready pid=<pid> port=<port>                        first line, once ready
 *   tick=<n> alice=<score> bob=<score> carol=<score> dave=<score> \
 *       last_kill=<name> streak=<n> points=<n> mvp=<name>   every 10 ticks
 *
 * A second bug, for patches that need the server's internals: pick_mvp()
 * forgets the bench (see below).  Its fix needs the server's static state
 * (benched[] and player_rating(), neither exported) and calls the original.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "game.h"

#define TICK_MS        100   /* length of one tick                      */
#define REPORT_EVERY   10    /* print a status line every N ticks       */
#define RUN_LENGTH     7     /* each player gets this many kills in a row */

/* ---- game state (exported: the patch may use it) ------------------------ */

const struct game_rules game_rules = {
    .base_points  = 100,
    .streak_min   = 3,
    .streak_bonus = 50,
    .streak_cap   = 5,
};

struct player game_players[GAME_PLAYERS] = {
    { .name = "alice" }, { .name = "bob" }, { .name = "carol" }, { .name = "dave" },
};

unsigned long game_tick;

/* Guards game_players and game_tick between the tick loop and the clients. */
static pthread_mutex_t game_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- scoring --------------------------------------------------------------- */

/*
 * Number of streak bonus steps a kill earns: 0 below streak_min, then 1, 2,
 * ... up to streak_cap.  This helper is correct.  It is exported so that
 * patches can call it instead of copying it.
 */
__attribute__((noipa))
int streak_bonus_steps(int streak)
{
    int steps;

    if (streak < game_rules.streak_min)
        return 0;
    steps = streak - game_rules.streak_min + 1;
    return steps > game_rules.streak_cap ? game_rules.streak_cap : steps;
}

/*
 * Points for one kill: base_points, plus streak_bonus for every bonus step.
 * Intended values with the default rules:
 *
 *   streak   1    2    3    4    5    6    7
 *   points  100  100  150  200  250  300  350
 *
 * BUG: the streak bonus is *subtracted* from the base points instead of being
 * added (a sign slip: `-` where `+` was meant).  So a hot streak costs
 * points: streak 3 gives 50, 4 gives 0, 5 gives -50, 6 gives -100 and 7
 * gives -150, and the scores of the best players go down.
 *
 * noipa (no inlining, no cloning, no interprocedural register assumptions)
 * keeps every call going through this exact entry point with the normal
 * calling convention, which is what a live patch redirects.  The function is
 * exported (the server links with -rdynamic) so tfix can find it by name.
 * Because it calls a helper on every path, gcc gives it a full frame-pointer
 * prologue (push %rbp; mov %rsp,%rbp) at its entry.
 */
__attribute__((noipa))
int score_for_kill(const struct player *killer, int streak)
{
    int steps = streak_bonus_steps(streak);

    if (killer == NULL || streak <= 0)
        return 0;
    return game_rules.base_points - steps * game_rules.streak_bonus; /* BUG: should be + */
}

/* ---- awards (static: not exported; a patch reaches them through tfix) ------- */

/* Players on the bench may not be MVP.  A client's `bench NAME` benches one. */
static int benched[GAME_PLAYERS] = { 0, 1, 0, 0 };

/* Seasons played; grows every 1000 ticks.  Part of the MVP rating. */
static int seasons[GAME_PLAYERS] = { 3, 9, 5, 1 };

/* A player's MVP rating: seasons count most, then kills.  Correct. */
__attribute__((noipa))
static int player_rating(int i)
{
    return seasons[i] * 1000 + game_players[i].kills;
}

/*
 * The index of the most valuable player, shown after each status line.
 *
 * BUG: it forgets the bench, so a benched player (bob, from the start) can be
 * MVP.  The fix (fix_mvp.c) calls this original and, when its choice is on
 * the bench, picks the best player who is not, with the server's own
 * player_rating() and benched[]: static, so only tfix can bind them.
 * Called with game_lock held.
 */
__attribute__((noipa))
int pick_mvp(void)
{
    int best = 0;
    int i;

    for (i = 1; i < GAME_PLAYERS; i++)
        if (player_rating(i) > player_rating(best))
            best = i;
    return best;
}

/* ---- simulation ------------------------------------------------------------ */

struct kill_report {
    const char *killer;
    int streak;
    int points;
    const char *mvp;
};

/*
 * One tick of the deterministic simulation.  Players take turns in runs of
 * RUN_LENGTH ticks: ticks 1-7 alice kills, 8-14 bob, 15-21 carol, 22-28 dave,
 * then alice again.  The victim rotates over the other three players, so
 * every player dies during someone else's run and starts each of their own
 * runs with a streak of 0.  Within a run the killer's streak is 1, 2, ..., 7.
 * Called with game_lock held.
 */
static void game_step(struct kill_report *report)
{
    unsigned long t = ++game_tick;
    struct player *killer = &game_players[((t - 1) / RUN_LENGTH) % GAME_PLAYERS];
    struct player *victim;
    int offset = 1 + (int)(t % (GAME_PLAYERS - 1));
    int points;
    int i;

    victim = &game_players[(killer - game_players + offset) % GAME_PLAYERS];

    for (i = 0; i < GAME_PLAYERS; i++) {
        game_players[i].rounds++;
        if (t % 1000 == 0)
            seasons[i]++;
    }

    killer->streak++;
    points = score_for_kill(killer, killer->streak);
    killer->score += points;
    killer->kills++;
    victim->streak = 0;

    report->killer = killer->name;
    report->streak = killer->streak;
    report->points = points;
    report->mvp = game_players[pick_mvp()].name;
}

static void print_report(unsigned long tick, const int *scores,
                         const struct kill_report *r)
{
    int i;

    printf("tick=%lu", tick);
    for (i = 0; i < GAME_PLAYERS; i++)
        printf(" %s=%d", game_players[i].name, scores[i]);
    printf(" last_kill=%s streak=%d points=%d mvp=%s\n", r->killer, r->streak, r->points, r->mvp);
}

static void timespec_add_ms(struct timespec *ts, long ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void tick_loop(void)
{
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        struct kill_report report;
        int scores[GAME_PLAYERS];
        unsigned long tick;
        int i, rc;

        /* Absolute deadlines: an interrupted sleep (EINTR, e.g. while a
         * debugger or tfix has the process stopped) just sleeps again. */
        timespec_add_ms(&next, TICK_MS);
        do {
            rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        } while (rc == EINTR);

        pthread_mutex_lock(&game_lock);
        game_step(&report);
        tick = game_tick;
        for (i = 0; i < GAME_PLAYERS; i++)
            scores[i] = game_players[i].score;
        pthread_mutex_unlock(&game_lock);

        if (tick % REPORT_EVERY == 0)
            print_report(tick, scores, &report);
    }
}

/* ---- network --------------------------------------------------------------- */

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_str(int fd, const char *s)
{
    return send_all(fd, s, strlen(s));
}

static int send_status(int fd)
{
    char out[GAME_PLAYERS * 96 + 64];
    size_t used = 0;
    int i;

    pthread_mutex_lock(&game_lock);
    for (i = 0; i < GAME_PLAYERS; i++) {
        const struct player *p = &game_players[i];
        used += (size_t)snprintf(out + used, sizeof out - used,
                                 "player %s score=%d kills=%d rounds=%d%s\n",
                                 p->name, p->score, p->kills, p->rounds,
                                 benched[i] ? " benched" : "");
    }
    used += (size_t)snprintf(out + used, sizeof out - used,
                             "tick=%lu\nend\n", game_tick);
    pthread_mutex_unlock(&game_lock);

    return send_all(fd, out, used);
}

/* `bench NAME`: puts a player on the bench (or takes them off: `bench -NAME`). */
static int bench(int fd, const char *name)
{
    int on = *name != '-';
    int i;

    if (!on)
        name++;
    pthread_mutex_lock(&game_lock);
    for (i = 0; i < GAME_PLAYERS; i++)
        if (strcmp(game_players[i].name, name) == 0)
            benched[i] = on;
    pthread_mutex_unlock(&game_lock);
    return send_str(fd, "ok\n");
}

/* Handle one command line; returns 0 to keep going, -1 to close. */
static int handle_line(int fd, char *line)
{
    size_t len = strlen(line);

    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
        line[--len] = '\0';
    if (len == 0)
        return 0;
    if (strcmp(line, "status") == 0)
        return send_status(fd);
    if (strcmp(line, "quit") == 0)
        return -1;
    if (strncmp(line, "bench ", 6) == 0)
        return bench(fd, line + 6);
    return send_str(fd, "error unknown command\n");
}

static void *client_thread(void *arg)
{
    int fd = (int)(long)arg;
    char buf[256];
    size_t have = 0;

    for (;;) {
        char *nl;
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';

        /* Run every complete line in the buffer. */
        while ((nl = memchr(buf, '\n', have)) != NULL) {
            size_t used = (size_t)(nl - buf) + 1;

            *nl = '\0';
            if (handle_line(fd, buf) < 0)
                goto done;
            memmove(buf, buf + used, have - used);
            have -= used;
            buf[have] = '\0';
        }
        if (have == sizeof buf - 1) {   /* line too long: drop it */
            if (send_str(fd, "error line too long\n") < 0)
                break;
            have = 0;
        }
    }
done:
    close(fd);
    return NULL;
}

static void *accept_thread(void *arg)
{
    int lfd = (int)(long)arg;
    pthread_attr_t attr;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        pthread_t tid;
        int cfd = accept(lfd, NULL, NULL);

        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("gameserver: accept");
            sleep(1);
            continue;
        }
        if (pthread_create(&tid, &attr, client_thread, (void *)(long)cfd) != 0) {
            fprintf(stderr, "gameserver: cannot start client thread\n");
            close(cfd);
        }
    }
    return NULL;
}

static int open_listener(int port, int *actual_port)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        perror("gameserver: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("gameserver: bind");
        close(fd);
        return -1;
    }
    if (listen(fd, 16) < 0) {
        perror("gameserver: listen");
        close(fd);
        return -1;
    }
    if (getsockname(fd, (struct sockaddr *)&addr, &alen) < 0) {
        perror("gameserver: getsockname");
        close(fd);
        return -1;
    }
    *actual_port = ntohs(addr.sin_port);
    return fd;
}

/*
 * The listening socket handed over by `tfix restart` (or systemd socket activation): fd 3 when LISTEN_PID
 * names this process. The variables are removed so that nothing this server starts takes them as its own.
 */
static int inherited_listener(int *actual_port)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;

    if (pid == NULL || fds == NULL || atoi(pid) != (int)getpid() || atoi(fds) < 1)
        return -1;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (getsockname(3, (struct sockaddr *)&addr, &alen) < 0 || addr.sin_family != AF_INET)
        return -1;
    fcntl(3, F_SETFD, FD_CLOEXEC);
    *actual_port = ntohs(addr.sin_port);
    return 3;
}

int main(int argc, char **argv)
{
    pthread_t tid;
    int port = 0;
    int actual_port;
    int lfd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    /* A hardened deployment: no core dumps, no ptrace by the same user (tfix then goes through its agent). */
    if (getenv("GAMESERVER_UNDUMPABLE") != NULL && strcmp(getenv("GAMESERVER_UNDUMPABLE"), "1") == 0)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

    if (argc > 2) {
        fprintf(stderr, "usage: %s [port]\n", argv[0]);
        return 2;
    }
    if (argc == 2) {
        char *end;
        long v = strtol(argv[1], &end, 10);

        if (*argv[1] == '\0' || *end != '\0' || v < 0 || v > 65535) {
            fprintf(stderr, "gameserver: bad port '%s'\n", argv[1]);
            return 2;
        }
        port = (int)v;
    }

    lfd = inherited_listener(&actual_port);
    if (lfd < 0)
        lfd = open_listener(port, &actual_port);
    if (lfd < 0)
        return 1;
    if (pthread_create(&tid, NULL, accept_thread, (void *)(long)lfd) != 0) {
        fprintf(stderr, "gameserver: cannot start network thread\n");
        return 1;
    }

    printf("ready pid=%d port=%d\n", (int)getpid(), actual_port);
    tick_loop();
    return 0;
}
