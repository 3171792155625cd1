/* The same code as f: what is measured is the jump in front of it. */
int f_v2(int x) {
    int y = x * 3 + 1;
    y ^= y >> 3;
    y += x << 2;
    return y ^ 0x55;
}
