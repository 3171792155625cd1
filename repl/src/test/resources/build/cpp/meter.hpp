#ifndef METER_HPP
#define METER_HPP

class Meter {
public:
    explicit Meter(int base) : base_(base) {}
    int reading(int x) const;
    static int reads;

private:
    int base_;
};

#endif
