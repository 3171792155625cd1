/* A stand-in for systemd's notify socket: binds a Unix datagram socket at argv[1] and prints every message. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        return 2;
    }
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    unlink(argv[1]);
    if (bind(s, (struct sockaddr *) &a, sizeof a) != 0) {
        perror("bind");
        return 1;
    }
    printf("ready pid=%d listening %s\n", getpid(), argv[1]);
    char buf[512];
    for (;;) {
        ssize_t n = recv(s, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = 0;
            printf("got %s", buf);
            if (buf[n - 1] != '\n') {
                printf("\n");
            }
        }
    }
}
