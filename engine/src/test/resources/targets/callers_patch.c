/* The new lea_plus_one: adds 100, so every thread's sum shows which version each path ran. */
int lea_plus_one_v2(int x) {
    return x + 100;
}

/* The new after_it, for the neighbour that takes a jump of its own. */
int after_it_v2(int x) {
    return x + 200;
}

/* A new path_a, one of lea_plus_one's callers. */
int path_a_v2(int x) {
    return x + 1;
}

/* Asked for with original:, which a function patched through its callers does not need. */
int (*lea_plus_one_orig)(int);
