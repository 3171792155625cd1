#include <stdio.h>
#include "shop.h"

static int discount_percent = 5;
static int quotes_made;

void set_discount(int percent)
{
    discount_percent = percent;
}

static __attribute__((noinline)) int round_down(int cents)
{
    return cents - cents % 5;
}

static __attribute__((noinline)) int discounted(int base)
{
    quotes_made++;
    return round_down(base * (100 - discount_percent) / 100);
}

int quote(int base)
{
    if (base < 0)
        fprintf(stderr, "negative base %d (pricing.c:%d)\n", base, __LINE__);
    return discounted(capped(base, 1000));
}
