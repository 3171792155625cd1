#include "shop.h"

static const int per_kg[] = {3, 3, 2, 2, 2, 1};
static int shipments;

int shipping(int weight)
{
    shipments++;
    weight = capped(weight, 5);
    return 5 + weight * per_kg[weight];
}

int item_total(const struct item *items, int count)
{
    int sum = 0;
    for (int i = 0; i < count; i++)
        sum += items[i].price;
    return sum;
}

/* Shipments made by the calling thread: each thread counts its own. */
static __thread int visits;

int shipping_visits(void)
{
    return visits;
}

void shipping_reset(void)
{
    visits = 0;
}
