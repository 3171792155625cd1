#include <string>

class Role {
public:
    int level_;
};

// Same calling convention as the member: the hidden return slot, then `this`.
std::string role_class_name_v2(const Role *self) {
    return self->level_ > 5 ? std::string("Paladin") : std::string("Ranger");
}
