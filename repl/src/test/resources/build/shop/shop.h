#ifndef SHOP_H
#define SHOP_H

struct item {
    int id;
    int price;
};

/* The smaller of value and cap. */
static inline int capped(int value, int cap)
{
    return value > cap ? cap : value;
}

void set_discount(int percent);
int quote(int base);
int shipping(int weight);
int item_total(const struct item *items, int count);

#endif
