/* A second importer of libifunc's twice, bound after the executable's. */
int twice(int v);

int user_twice(int v) {
    return twice(v);
}
