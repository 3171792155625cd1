// Two threads read a Meter in a loop; a line is printed whenever the reading changes.
#include <cstdio>
#include <mutex>
#include <thread>
#include <unistd.h>
#include "meter.hpp"

void set_scale(int s);

static std::mutex lock;
static int last = -1;

static void worker()
{
    Meter m(10);
    for (;;) {
        int r = m.reading(4);
        {
            std::lock_guard<std::mutex> g(lock);
            if (r != last) {
                last = r;
                std::printf("reading=%d\n", r);
                std::fflush(stdout);
            }
        }
        usleep(1000);
    }
}

int main()
{
    std::printf("ready pid=%d\n", (int)getpid());
    std::fflush(stdout);
    set_scale(3);
    std::thread a(worker), b(worker);
    a.join();
    return 0;
}
