/*
 * fix_mvp.c - the second live patch for the gameserver sample (libfix_mvp.so).
 *
 * What was wrong: pick_mvp() forgets the bench, so bob, benched from the
 * start, is named MVP on every status line.
 *
 * pick_mvp_v2() asks the original first (tfix sets pick_mvp_orig to a
 * callable copy of it before the jump goes live) and keeps its choice unless
 * that player is benched; then it picks the best player off the bench with
 * the server's own rating.  benched[] and player_rating() are static in the
 * server: not exported, so the dynamic loader cannot bind them.  They are
 * declared weak here (tfix.h's TFIX_EXTERN), and tfix binds them from the server's symbol table
 * before any call reaches this code (the plan lists where each one lies).
 */
#include "game.h"
#include "tfix.h"

TFIX_EXTERN(int, benched[GAME_PLAYERS]);        /* static in gameserver.c */
TFIX_EXTERN_FN(int, player_rating, (int i));   /* static in gameserver.c */

/* Set by tfix (replace ..., original: 'pick_mvp_orig'). */
int (*pick_mvp_orig)(void);

int pick_mvp_v2(void)
{
    int mvp = pick_mvp_orig();
    int best = -1;
    int i;

    if (!benched[mvp])
        return mvp;
    for (i = 0; i < GAME_PLAYERS; i++)
        if (!benched[i] && (best < 0 || player_rating(i) > player_rating(best)))
            best = i;
    return best < 0 ? mvp : best;
}
