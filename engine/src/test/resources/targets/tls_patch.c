/* Replaces tl_work with one that returns 1000 plus the calling thread's own tl_mine (the library's static __thread). */
#include "tfix.h"

TFIX_EXTERN(__thread int, tl_mine);

int tl_work_v2(int x) {
    return 1000 + tl_mine + x;
}
