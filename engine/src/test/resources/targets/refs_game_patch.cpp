// Uses the program's class static member and static member function by their C++ (mangled) names.
#include "tfix.h"

struct Game {
    static int total;
    static int bump(int x);
};
TFIX_WEAK(_ZN4Game5totalE);
TFIX_WEAK(_ZN4Game4bumpEi);

extern "C" int play_v2(int x) {
    if (Game::total < 7) {
        Game::total++;
    }
    return Game::bump(x) + 1;
}
