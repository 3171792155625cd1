// A C++ program whose class has a static member and a static member function.
#include <cstdio>
#include <ctime>
#include <unistd.h>

struct Game {
    static int total;
    static int bump(int x);
};
int Game::total = 0;

__attribute__((noinline)) int Game::bump(int x) {
    return x * 2;
}

__attribute__((noinline)) int play(int x) {
    volatile int k = 1;
    int r = 0;
    for (int i = 0; i < k; i++) r += x;
    return r;
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("ready pid=%d\n", getpid());
    volatile int four = 4;
    int last = -1, lastTotal = -1;
    for (;;) {
        int v = play(four) + Game::bump(0);
        if (v != last || Game::total != lastTotal) {
            std::printf("play=%d total=%d\n", v, Game::total);
            last = v;
            lastTotal = Game::total;
        }
        timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, nullptr);
    }
}
