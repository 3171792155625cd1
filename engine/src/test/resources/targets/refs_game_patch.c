/* Uses the program's static variable and static function and a global it does not export. */
#include "tfix.h"

TFIX_EXTERN(volatile int, counter);
TFIX_EXTERN(int, total);
TFIX_EXTERN_FN(int, bonus, (int));
#ifdef MISSING
TFIX_EXTERN(int, no_such_variable);
#endif
#ifdef TLS
TFIX_EXTERN(int, tls_hits);
#endif
#ifdef TLS_DECLARED
extern __thread int tls_hits __attribute__((weak));
#endif

int *total_address = &total; /* a data word the loader fills (R_X86_64_64), not a GOT entry */

int score_v2(int x) {
    if (counter < 5) {
        counter++;
    }
    *total_address = 11;
#if defined(MISSING)
    no_such_variable++;
#elif defined(TLS) || defined(TLS_DECLARED)
    tls_hits++;
#endif
    return bonus(x) + 1;
}
