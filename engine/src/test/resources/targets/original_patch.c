/* Replacements that call the original through the copy tfix makes of its first instructions. */
int (*compute_orig)(int);
int (*compute_orig3)(int);
int (*stubborn_orig)(int);
int not_a_pointer;

int compute_v2(int x) {
    return compute_orig(x) + 1000;
}

int compute_v3(int x) {
    return compute_orig3(x) + 3000;
}

int stubborn_v2(int x) {
    return stubborn_orig(x) + 1;
}
