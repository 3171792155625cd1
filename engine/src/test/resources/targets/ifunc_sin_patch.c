/* Stands in for the implementation of sin the process bound: every call answers 42. */
double sin_v2(double x) {
    (void) x;
    return 42.0;
}
