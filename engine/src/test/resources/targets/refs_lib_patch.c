/* Replaces lib_work using the library's static variable, static function and hidden global. */
#include "tfix.h"

TFIX_EXTERN(volatile int, lib_hits);
TFIX_EXTERN(int, lib_hidden);
TFIX_EXTERN_FN(int, lib_scale, (int));

int lib_work_v2(int x) {
    if (lib_hits < 3) {
        lib_hits++;
    }
    return lib_scale(x) + lib_hidden;
}
