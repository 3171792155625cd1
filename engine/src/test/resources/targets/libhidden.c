/* A library whose work is done by a static function: once the file is stripped, only its debug file or
 * MiniDebugInfo names hidden_scale. VARIANT makes another build (another build-id) of the same source. */
#ifndef VARIANT
#define VARIANT 1
#endif
static volatile int offset = VARIANT;

__attribute__((noipa)) static int hidden_scale(int v) {
    int r = v * 3;
    r += offset;
    return r + (v > 1000 ? v / 7 : 0);
}

int lib_compute(int v) {
    return hidden_scale(v) + 1;
}
