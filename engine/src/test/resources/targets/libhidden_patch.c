/* Replaces libhidden's static hidden_scale: lib_compute(3) becomes 1000 + 3 + 1. */
int hidden_scale_v2(int v) {
    return 1000 + v;
}
