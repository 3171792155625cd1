/*
 * game.h - state shared by the toy game server and its live patches.
 *
 * The server (gameserver.c) is linked with -rdynamic, so everything declared
 * here as extern is exported from the executable.  A patch library such as
 * fix_score.c includes this header and, once it has been dlopen()ed into the
 * running server, uses the server's own rules and player table: the patch
 * brings new code, never new state.
 */
#ifndef TFIX_SAMPLE_GAME_H
#define TFIX_SAMPLE_GAME_H

#define GAME_PLAYERS   4
#define GAME_NAME_LEN  16

struct player {
    char name[GAME_NAME_LEN];
    int  score;    /* total points                        */
    int  kills;    /* total kills                         */
    int  rounds;   /* rounds (ticks) this player has played */
    int  streak;   /* kills in a row since last being killed */
};

/* Scoring rules; read by score_for_kill() and by its replacements. */
struct game_rules {
    int base_points;   /* points for every kill                        */
    int streak_min;    /* streak length at which the bonus starts      */
    int streak_bonus;  /* extra points per bonus step                  */
    int streak_cap;    /* maximum number of bonus steps                */
};

extern const struct game_rules game_rules;
extern struct player game_players[GAME_PLAYERS];
extern unsigned long game_tick;

/* Streak bonus steps earned by a streak of `streak` kills (0 .. streak_cap). */
int streak_bonus_steps(int streak);

/* Points awarded to `killer` for a kill that makes their streak `streak`. */
int score_for_kill(const struct player *killer, int streak);

/* The most valuable player's index (it forgets the bench: the second bug). */
int pick_mvp(void);

/* The fixed version, provided by libfix_score.so. */
int score_for_kill_v2(const struct player *killer, int streak);

#endif /* TFIX_SAMPLE_GAME_H */
