static volatile int counter = 2;

int scores_counter(void) {
    return counter;
}
