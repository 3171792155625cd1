/* The new lea_plus_one: adds 100, so every thread's sum shows which version each path ran. */
int lea_plus_one_v2(int x) {
    return x + 100;
}
