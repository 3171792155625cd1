/* ELF files read from disk: a patch's fix table (.tfix.fixes) and a program's static functions (.symtab). */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tfix_agent.h"

#define MAX_ELF (512ul << 20)

int elf_open(const char *path, struct elf_file *e) {
    struct stat st;
    e->data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < (off_t) sizeof(Elf64_Ehdr) || (size_t) st.st_size > MAX_ELF
            || (e->data = malloc((size_t) st.st_size)) == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    e->size = (size_t) st.st_size;
    size_t done = 0;
    while (done < e->size) {
        ssize_t got = pread(fd, e->data + done, e->size - done, (off_t) done);
        if (got <= 0) {
            break;
        }
        done += (size_t) got;
    }
    close(fd);
    const Elf64_Ehdr *h = (const Elf64_Ehdr *) e->data;
    if (done != e->size || memcmp(h->e_ident, ELFMAG, SELFMAG) != 0 || h->e_ident[EI_CLASS] != ELFCLASS64
            || h->e_shentsize != sizeof(Elf64_Shdr) || h->e_shoff > e->size
            || (e->size - h->e_shoff) / sizeof(Elf64_Shdr) < h->e_shnum || h->e_shstrndx >= h->e_shnum) {
        elf_close(e);
        return -1;
    }
    return 0;
}

void elf_close(struct elf_file *e) {
    free(e->data);
    e->data = NULL;
}

/* Section i, checked to lie inside the file (the file is untrusted: it was dropped in a folder). */
static const Elf64_Shdr *header(const struct elf_file *e, unsigned i) {
    const Elf64_Ehdr *h = (const Elf64_Ehdr *) e->data;
    if (i >= h->e_shnum) {
        return NULL;
    }
    const Elf64_Shdr *s = (const Elf64_Shdr *) (e->data + h->e_shoff) + i;
    if (s->sh_type != SHT_NOBITS && (s->sh_offset > e->size || s->sh_size > e->size - s->sh_offset)) {
        return NULL;
    }
    return s;
}

static const char *string(const struct elf_file *e, const Elf64_Shdr *table, uint32_t at) {
    if (table == NULL || at >= table->sh_size) {
        return "";
    }
    const char *s = (const char *) e->data + table->sh_offset + at;
    return memchr(s, 0, table->sh_size - at) ? s : "";
}

const uint8_t *elf_section(const struct elf_file *e, const char *name, size_t *size) {
    const Elf64_Ehdr *h = (const Elf64_Ehdr *) e->data;
    const Elf64_Shdr *names = header(e, h->e_shstrndx);
    for (unsigned i = 0; i < h->e_shnum; i++) {
        const Elf64_Shdr *s = header(e, i);
        if (s && s->sh_type != SHT_NOBITS && strcmp(string(e, names, s->sh_name), name) == 0) {
            *size = s->sh_size;
            return e->data + s->sh_offset;
        }
    }
    return NULL;
}

/* A function defined in .symtab (statics included): its value (before the load bias) and size. 0 when found. */
int elf_function(const struct elf_file *e, const char *name, uint64_t *value, uint64_t *size) {
    const Elf64_Ehdr *h = (const Elf64_Ehdr *) e->data;
    int found = 0;
    for (unsigned i = 0; i < h->e_shnum; i++) {
        const Elf64_Shdr *s = header(e, i);
        if (s == NULL || s->sh_type != SHT_SYMTAB || s->sh_entsize != sizeof(Elf64_Sym)) {
            continue;
        }
        const Elf64_Shdr *strings = header(e, s->sh_link);
        const Elf64_Sym *sym = (const Elf64_Sym *) (e->data + s->sh_offset);
        for (size_t k = 0; k < s->sh_size / sizeof(Elf64_Sym); k++) {
            if (ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC && sym[k].st_shndx != SHN_UNDEF && sym[k].st_value != 0
                    && strcmp(string(e, strings, sym[k].st_name), name) == 0) {
                if (found) {
                    return -2; /* two functions of that name (statics of two files): ambiguous */
                }
                *value = sym[k].st_value;
                *size = sym[k].st_size;
                found = 1;
            }
        }
    }
    return found ? 0 : -1;
}
