/* Calling a function of the process (dlopen, mmap, memfd_create...) on the control thread itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tfix_agent.h"

typedef uint64_t (*six_args)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

void call_function(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint64_t fn, args[6] = {0};
    void *buffers[6] = {0};
    uint32_t count;
    size_t at = 12;
    if (n < 12) {
        reply_fail(r, EINVAL, "CALL takes a function and its arguments");
        return;
    }
    memcpy(&fn, in, 8);
    memcpy(&count, in + 8, 4);
    if (count > 6 || fn == 0) {
        reply_fail(r, EINVAL, "CALL takes a function and at most 6 arguments");
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (at + 1 > n) {
            goto malformed;
        }
        uint8_t kind = in[at++];
        if (kind == 0 && at + 8 <= n) {
            memcpy(&args[i], in + at, 8);
            at += 8;
        } else if (kind == 1 && at + 4 <= n) {
            uint32_t len;
            memcpy(&len, in + at, 4);
            at += 4;
            if (at + len > n || (buffers[i] = malloc(len ? len : 1)) == NULL) {
                goto malformed;
            }
            memcpy(buffers[i], in + at, len);
            at += len;
            args[i] = (uint64_t) (uintptr_t) buffers[i];
        } else {
            goto malformed;
        }
    }
    errno = 0;
    uint64_t result = ((six_args) (uintptr_t) fn)(args[0], args[1], args[2], args[3], args[4], args[5]);
    int32_t err = errno;
    reply_add(r, &result, 8);
    reply_add(r, &err, 4);
    for (int i = 0; i < 6; i++) {
        free(buffers[i]);
    }
    return;
malformed:
    for (int i = 0; i < 6; i++) {
        free(buffers[i]);
    }
    reply_fail(r, EINVAL, "CALL arguments are malformed");
}
