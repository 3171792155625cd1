/*
 * fix_score.c - live patch for the gameserver sample (libfix_score.so).
 *
 * What was wrong: score_for_kill() in gameserver.c subtracted the kill-streak
 * bonus from the base points instead of adding it (`points -= ...`), so with
 * the default rules a streak of 3 was worth 50 points, 4 was worth 0 and 5, 6
 * and 7 were worth -50, -100 and -150: the better a player did, the more
 * points they lost.
 *
 * score_for_kill_v2() has the same signature and adds the bonus, giving
 * 100, 100, 150, 200, 250, 300, 350 points for streaks 1..7.
 *
 * tfix loads this library into the running server and writes a jump at the
 * entry of score_for_kill() to score_for_kill_v2().  The rules come from the
 * server itself (game_rules is exported by the -rdynamic executable and bound
 * when the library is loaded), so the patch changes behaviour, not data.
 */
#include <stddef.h>

#include "game.h"

int score_for_kill_v2(const struct player *killer, int streak)
{
    int points;
    int steps;

    if (killer == NULL || streak <= 0)
        return 0;

    points = game_rules.base_points;
    if (streak >= game_rules.streak_min) {
        steps = streak - game_rules.streak_min + 1;
        if (steps > game_rules.streak_cap)
            steps = game_rules.streak_cap;
        points += steps * game_rules.streak_bonus;   /* FIX: add the bonus */
    }
    return points;
}
