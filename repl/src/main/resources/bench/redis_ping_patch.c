/* The Redis bench's patch for Debian's redis-server 7.0.15:
 *   replace 'pingCommand' with 'pingCommand_v2' from 'libredis_ping_patch.so', original: 'pingCommand_orig'
 * A bare PING is answered through Redis's own addReplyStatus, a weak reference tfix binds to the server's
 * function (what TFIX_EXTERN_FN in include/tfix.h declares); PING with an argument goes to the original. */
typedef struct client client;

extern void addReplyStatus(client *c, const char *status) __attribute__((weak));

void (*pingCommand_orig)(client *c);

/* redis 7.0.15's server.h: client.argc */
#define CLIENT_ARGC_OFFSET 0x48

void pingCommand_v2(client *c) {
    if (*(int *) ((char *) c + CLIENT_ARGC_OFFSET) == 1) {
        addReplyStatus(c, "PONG");
        return;
    }
    pingCommand_orig(c);
}
