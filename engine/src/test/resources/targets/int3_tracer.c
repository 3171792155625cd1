/* For TracerDeathTest: a tracer that writes an int3 over the first byte of a function a thread keeps
 * calling, then dies (SIGKILL to itself) at one instant of the int3 protocol:
 *   left         the int3 still in memory;
 *   uncollected  a thread stopped at the int3, its stop not yet collected (waitpid), the byte already restored;
 *   collected    that stop collected, the byte restored, the thread's rip not yet moved back. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int tids[4096], ntids;

static char state(int pid, int tid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '?';
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *c = strrchr(buf, ')');
    return c && c[1] ? c[2] : '?';
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: int3_tracer PID ADDRESS left|uncollected|collected\n");
        return 2;
    }
    int pid = atoi(argv[1]);
    unsigned long site = strtoul(argv[2], NULL, 16);
    const char *mode = argv[3];
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) && ntids < 4096) {
        if (e->d_name[0] != '.' && ptrace(PTRACE_SEIZE, atoi(e->d_name), 0, 0) == 0) tids[ntids++] = atoi(e->d_name);
    }
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int mem = open(path, O_RDWR);
    unsigned char int3 = 0xcc, first;
    if (mem < 0 || pread(mem, &first, 1, site) != 1 || pwrite(mem, &int3, 1, site) != 1) {
        perror("int3_tracer");
        return 1;
    }
    if (strcmp(mode, "uncollected") == 0) {
        for (int stopped = 0; !stopped;)
            for (int i = 0; i < ntids; i++) stopped |= state(pid, tids[i]) == 't';
    } else if (strcmp(mode, "collected") == 0) {
        int status, tid;
        while ((tid = waitpid(-1, &status, __WALL)) > 0 && !(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP))
            if (WIFSTOPPED(status)) ptrace(PTRACE_CONT, tid, 0, WSTOPSIG(status));
    }
    if (strcmp(mode, "left") != 0) pwrite(mem, &first, 1, site);
    kill(getpid(), SIGKILL);
    return 1;
}
