/* A live patch for Debian's redis-server 7.0.15 (a program nobody here wrote), applied with
 *   replace 'pingCommand' with 'pingCommand_v2' from 'redis_ping_patch.so', original: 'pingCommand_orig'
 * PING keeps answering as before (through the original, called via its relocated copy), counts what it
 * serves, and `PING tfix` answers with that count through Redis's own addReplyStatus. */
#include <stdio.h>
#include <string.h>

typedef struct client client;

/* Redis's reply function, resolved by tfix from the server's symbol tables. */
extern void addReplyStatus(client *c, const char *status) __attribute__((weak));

/* Set by tfix to a callable copy of the original pingCommand before the jump goes live. */
void (*pingCommand_orig)(client *c);

/* Layout facts of redis 7.0.15's server.h: client.argc and client.argv, and robj's ptr. */
#define CLIENT_ARGC_OFFSET 0x48
#define CLIENT_ARGV_OFFSET 0x50
struct robj_head {
    unsigned type : 4, encoding : 4, lru : 24;
    int refcount;
    void *ptr;
};

long long tfix_pings_served;

void pingCommand_v2(client *c) {
    long long served = __atomic_add_fetch(&tfix_pings_served, 1, __ATOMIC_RELAXED);
    int argc = *(int *) ((char *) c + CLIENT_ARGC_OFFSET);
    if (argc == 2) {
        struct robj_head **argv = *(struct robj_head ***) ((char *) c + CLIENT_ARGV_OFFSET);
        /* Both raw and embedded strings point at their characters, NUL-terminated. */
        if (argv[1]->type == 0 && strcmp((const char *) argv[1]->ptr, "tfix") == 0) {
            char text[64];
            snprintf(text, sizeof text, "patched: %lld pings served", served);
            addReplyStatus(c, text);
            return;
        }
    }
    pingCommand_orig(c);
}
