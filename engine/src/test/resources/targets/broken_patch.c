/* Needs a library that is not there when the target loads it. */
int missing_helper(int);

int compute_v2(int x) {
    return missing_helper(x);
}
