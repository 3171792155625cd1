/*
 * fix_score.c - live patch for the gameserver sample (libfix_score.so).
 *
 * What was wrong: score_for_kill() in gameserver.c subtracted the kill-streak
 * bonus from the base points instead of adding it (`-` for `+`), so with
 * the default rules a streak of 3 was worth 50 points, 4 was worth 0 and 5, 6
 * and 7 were worth -50, -100 and -150: the better a player did, the more
 * points they lost.
 *
 * score_for_kill_v2() has the same signature and adds the bonus, giving
 * 100, 100, 150, 200, 250, 300, 350 points for streaks 1..7.
 *
 * tfix loads this library into the running server and writes a jump at the
 * entry of score_for_kill() to score_for_kill_v2().  The patch has no state
 * of its own: game_rules and streak_bonus_steps() are the server's (exported
 * by the -rdynamic executable and bound when the library is loaded), so the
 * patch changes behaviour, not data.  This also means the library can only be
 * loaded into the gameserver, not into an unrelated process.
 */
#include <stddef.h>

#include "game.h"
#include "tfix.h"

/* What this patch fixes: `apply 'libfix_score.so'` reads it (fix-score.tfix.groovy). */
TFIX_FIX("replace score_for_kill with score_for_kill_v2");

int score_for_kill_v2(const struct player *killer, int streak)
{
    int steps = streak_bonus_steps(streak);

    if (killer == NULL || streak <= 0)
        return 0;
    return game_rules.base_points + steps * game_rules.streak_bonus; /* FIX: + */
}
