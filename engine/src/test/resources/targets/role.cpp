// A C++ member function returning std::string: its mangled name carries an ABI tag
// ([abi:cxx11]) that users should not have to type.
#include <cstdio>
#include <string>
#include <time.h>
#include <unistd.h>

class Role {
public:
    explicit Role(int level) : level_(level) {}
    __attribute__((noinline)) std::string getClassName() const;
    int level_;
};

std::string Role::getClassName() const {
    return level_ > 5 ? std::string("Knight") : std::string("Squire");
}

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("ready pid=%d\n", getpid());
    Role r(3);
    std::string last;
    for (;;) {
        std::string n = r.getClassName();
        if (n != last) {
            std::printf("class=%s\n", n.c_str());
            last = n;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, nullptr);
    }
}
