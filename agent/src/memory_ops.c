/* Memory and /proc/self, read and written in-process: /proc/self/mem fails cleanly where a pointer would fault. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tfix_agent.h"

static int mem_fd = -1;

int memory_fd(void) {
    if (mem_fd < 0) {
        mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    }
    return mem_fd;
}

int memory_pread(uint64_t address, void *out, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(memory_fd(), (uint8_t *) out + done, n - done, (off_t) (address + done));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return got == 0 ? EIO : errno;
        }
        done += (size_t) got;
    }
    return 0;
}

/* One pwrite for the whole range, so no stopped thread sees a site half-written. */
int memory_pwrite(uint64_t address, const void *bytes, size_t n) {
    ssize_t put = pwrite(memory_fd(), bytes, n, (off_t) address);
    return put == (ssize_t) n ? 0 : put < 0 ? errno : EIO;
}

void memory_read(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint64_t address;
    uint32_t length;
    if (n != 12) {
        reply_fail(r, EINVAL, "READ takes an address and a length");
        return;
    }
    memcpy(&address, in, 8);
    memcpy(&length, in + 8, 4);
    if (length > TFIX_AGENT_MAX_PAYLOAD) {
        reply_fail(r, EINVAL, "READ of %u bytes is too long", length);
        return;
    }
    uint8_t *buf = malloc(length ? length : 1);
    int err = buf == NULL ? ENOMEM : memory_pread(address, buf, length);
    if (err) {
        reply_fail(r, err, "cannot read %u bytes at %#lx: %s", length, (unsigned long) address, strerror(err));
    } else {
        reply_add(r, buf, length);
    }
    free(buf);
}

void memory_write(const uint8_t *in, size_t n, struct tfix_reply *r) {
    uint64_t address;
    if (n < 8) {
        reply_fail(r, EINVAL, "WRITE takes an address and bytes");
        return;
    }
    memcpy(&address, in, 8);
    int err = memory_pwrite(address, in + 8, n - 8);
    if (err) {
        reply_fail(r, err, "cannot write %zu bytes at %#lx: %s", n - 8, (unsigned long) address, strerror(err));
    }
}

static void add_file(const char *path, struct tfix_reply *r) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        reply_fail(r, errno, "cannot open %s: %s", path, strerror(errno));
        return;
    }
    char buf[8192];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        reply_add(r, buf, (size_t) got);
    }
    close(fd);
}

void memory_maps(struct tfix_reply *r) {
    add_file("/proc/self/maps", r);
}

int read_small_file(const char *path, char *out, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t got = read(fd, out, size - 1);
    close(fd);
    if (got < 0) {
        return -1;
    }
    out[got] = 0;
    return (int) got;
}

void threads_list(struct tfix_reply *r) {
    DIR *d = opendir("/proc/self/task");
    if (d == NULL) {
        reply_fail(r, errno, "cannot list /proc/self/task: %s", strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[300], stat[512], line[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (read_small_file(path, stat, sizeof stat) < 0) {
            continue;
        }
        const char *close_paren = strrchr(stat, ')');
        int n = snprintf(line, sizeof line, "%s %c\n", e->d_name, close_paren && close_paren[1] ? close_paren[2] : '?');
        reply_add(r, line, (size_t) n);
    }
    closedir(d);
}
