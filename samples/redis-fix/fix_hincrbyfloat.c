/*
 * Hand-written live patch for redis-server built from f651708a1, the parent of redis/redis commit
 * 1c1bd618c "fix hincrbyfloat not to create a key if the new value is invalid (#11149)".
 *
 * The bug: HINCRBYFLOAT with an increment of inf or nan on a missing key replies with an error but
 * leaves an empty hash behind (EXISTS says 1): the key is created before the sum is checked.
 * The commit refuses such an increment before the key is looked up. This patch does the same in
 * front of the running function and then calls the original (through tfix's relocated copy of its
 * first instructions), so the rest of the command stays the code the server was built with.
 *
 * Built against the parent tree's headers (server.h): client and robj are the running layouts.
 *   gcc -shared -fPIC -O2 -I"$TFIX/include" -I"$REDIS/src" -DREDIS_BUILD_ID='"HEX"' \
 *       -o libfix_hincrbyfloat.so fix_hincrbyfloat.c
 */
#include "server.h"
#include <math.h>
#include <tfix.h>

/* Set by tfix before the jump goes live: a callable copy of the unpatched hincrbyfloatCommand. */
void (*hincrbyfloatCommand_orig)(client *c);

TFIX_FIX("replace hincrbyfloatCommand with hincrbyfloatCommand_v2 original hincrbyfloatCommand_orig");
#ifdef REDIS_BUILD_ID
/* Only the redis-server this patch was built for: any other build is refused before loading. */
TFIX_FIX("expect buildId " REDIS_BUILD_ID);
#endif

void hincrbyfloatCommand_v2(client *c) {
    long double incr;

    /* The parse the original does: a malformed increment gets the error reply it always got. */
    if (getLongDoubleFromObjectOrReply(c, c->argv[3], &incr, NULL) != C_OK) return;
    if (isnan(incr) || isinf(incr)) {
        addReplyError(c, "value is NaN or Infinity");
        return;
    }
    hincrbyfloatCommand_orig(c);
}
