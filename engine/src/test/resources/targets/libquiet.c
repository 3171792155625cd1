/* A library that imports nothing tfix is asked about. */
int quiet_value(int x) {
    return 2 * x + 1;
}
