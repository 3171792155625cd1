// C++ names as users write them (issue 13): function template instances, the call operator's overloads,
// parameters spelt with other spacing than the demangler's.
#include <cstdio>
#include <unistd.h>
#include <vector>

struct Foo {
    template <typename T> __attribute__((noinline)) T twice(T x) { return x + x; }
    __attribute__((noinline)) int operator()(int x) const { return x + 1; }
    __attribute__((noinline)) int operator()(int x, int y) { return x + y; }
    __attribute__((noinline)) static int take(const char *s, std::vector<int, std::allocator<int>> &v) {
        return (int) v.size() + s[0];
    }
};

template <typename T> __attribute__((noinline)) T triple(T x) { return x * 3; }

int main() {
    Foo f;
    const Foo &cf = f;
    std::vector<int> v{1};
    volatile long r = f.twice<int>(2) + cf(1) + f(1, 2) + triple<long>(3) + Foo::take("a", v);
    (void) r;
    printf("ready pid=%d\n", getpid());
    printf("running\n");
    fflush(stdout);
    for (;;) {
        pause();
    }
}
