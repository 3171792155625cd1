/* compute_v2 in several builds: -DBONUS=N makes a build that differs in its bytes and in what it returns. */
#ifndef BONUS
#define BONUS 1000
#endif

int compute_v2(int x) {
    return x + BONUS;
}
