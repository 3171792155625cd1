/* Replaces libhidden's static hidden_scale using its static variable offset: in a stripped libhidden, only its
 * debug file or MiniDebugInfo says where offset is. lib_compute(3) becomes 2000 + 3 + 1 + 1. */
#include "tfix.h"

TFIX_EXTERN(volatile int, offset);

int hidden_scale_v3(int v) {
    return 2000 + v + offset;
}
