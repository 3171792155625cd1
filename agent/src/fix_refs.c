/*
 * A folder patch's references to the program's own names (TFIX_EXTERN of a static, see tfix.h): weak undefined
 * symbols of the patch that the loader cannot bind, since the program does not export them. As tfix does, they are
 * looked up before the patch is loaded (refused, naming the symbol, when found nowhere, found twice, thread-local or
 * an IFUNC), and written into the patch's own slots after dlopen, before any jump, then read back. Simpler than
 * tfix: a name the loader binds (exported by any module) is left to it; the others are looked up in the program's
 * .symtab only; TFIX_REF_FROM and thread-local references are refused (tfix does them).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tfix_agent.h"

/* The crt's own weak references, left to the loader (as tfix does). */
static const char *const CRT_WEAK[] = {"__gmon_start__", "_ITM_deregisterTMCloneTable", "_ITM_registerTMCloneTable",
        "__cxa_finalize", "__register_frame_info", "__deregister_frame_info", "_Jv_RegisterClasses", NULL};

static int crt_weak(const char *name) {
    for (int i = 0; CRT_WEAK[i]; i++) {
        if (strcmp(CRT_WEAK[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

static const Elf64_Shdr *section(const struct elf_file *e, unsigned i) {
    const Elf64_Ehdr *h = (const Elf64_Ehdr *) e->data;
    if (i >= h->e_shnum) {
        return NULL;
    }
    const Elf64_Shdr *s = (const Elf64_Shdr *) (e->data + h->e_shoff) + i;
    return s->sh_type == SHT_NOBITS || (s->sh_offset <= e->size && s->sh_size <= e->size - s->sh_offset) ? s : NULL;
}

static const char *name_at(const struct elf_file *e, const Elf64_Shdr *strings, uint32_t at) {
    if (strings == NULL || at >= strings->sh_size) {
        return "";
    }
    const char *s = (const char *) e->data + strings->sh_offset + at;
    return memchr(s, 0, strings->sh_size - at) ? s : "";
}

/* A data object or function of the program's .symtab: 0 found once (value, type), -1 nowhere, -2 twice. */
static int program_symbol(const struct elf_file *exe, const char *name, uint64_t *value, int *type) {
    const Elf64_Ehdr *h = (const Elf64_Ehdr *) exe->data;
    int found = 0;
    for (unsigned i = 0; i < h->e_shnum; i++) {
        const Elf64_Shdr *s = section(exe, i);
        if (s == NULL || s->sh_type != SHT_SYMTAB || s->sh_entsize != sizeof(Elf64_Sym)) {
            continue;
        }
        const Elf64_Shdr *strings = section(exe, s->sh_link);
        const Elf64_Sym *sym = (const Elf64_Sym *) (exe->data + s->sh_offset);
        for (size_t k = 0; k < s->sh_size / sizeof(Elf64_Sym); k++) {
            int t = ELF64_ST_TYPE(sym[k].st_info);
            if ((t == STT_OBJECT || t == STT_FUNC || t == STT_TLS || t == STT_GNU_IFUNC) && sym[k].st_shndx != SHN_UNDEF
                    && strcmp(name_at(exe, strings, sym[k].st_name), name) == 0) {
                if (found++) {
                    return -2;
                }
                *value = sym[k].st_value;
                *type = t;
            }
        }
    }
    return found ? 0 : -1;
}

static int exe_bias(struct dl_phdr_info *info, size_t size, void *out) {
    (void) size;
    *(uint64_t *) out = info->dlpi_addr;
    return 1;
}

/* One relocation of the patch against a reference of the program. */
static int add_slot(struct fix_refs *refs, const Elf64_Rela *r, uint64_t address) {
    if (refs->count == FIX_MAX_REFS) {
        return -1;
    }
    refs->slot[refs->count].offset = r->r_offset;
    refs->slot[refs->count].value = address + (uint64_t) r->r_addend;
    refs->count++;
    return 0;
}

int refs_plan(const char *path, struct fix_refs *refs, char *result, size_t size) {
    struct elf_file patch, exe = {0};
    char exe_path[PATH_MAX];
    uint64_t bias = 0;
    refs->count = 0;
    if (elf_open(path, &patch) != 0) {
        return fix_fail(result, size, "%s is not a readable 64-bit ELF file", path);
    }
    size_t n;
    if (elf_section(&patch, ".tfix.refs", &n) != NULL && n > 0) {
        elf_close(&patch);
        return fix_fail(result, size, "the patch picks references with TFIX_REF_FROM, which the agent's folder does not do:"
                " apply it with tfix (apply 'fix.so')");
    }
    int failed = 0;
    const Elf64_Ehdr *h = (const Elf64_Ehdr *) patch.data;
    for (unsigned i = 0; i < h->e_shnum && !failed; i++) {
        const Elf64_Shdr *rel = section(&patch, i), *syms = rel ? section(&patch, rel->sh_link) : NULL;
        if (rel == NULL || rel->sh_type != SHT_RELA || rel->sh_entsize != sizeof(Elf64_Rela) || syms == NULL
                || syms->sh_type != SHT_DYNSYM || syms->sh_entsize != sizeof(Elf64_Sym)) {
            continue;
        }
        const Elf64_Shdr *strings = section(&patch, syms->sh_link);
        const Elf64_Rela *r = (const Elf64_Rela *) (patch.data + rel->sh_offset);
        const Elf64_Sym *sym = (const Elf64_Sym *) (patch.data + syms->sh_offset);
        for (size_t k = 0; k < rel->sh_size / sizeof(Elf64_Rela) && !failed; k++) {
            uint32_t s = ELF64_R_SYM(r[k].r_info), type = ELF64_R_TYPE(r[k].r_info);
            if (s == 0 || s >= syms->sh_size / sizeof(Elf64_Sym) || sym[s].st_shndx != SHN_UNDEF
                    || ELF64_ST_BIND(sym[s].st_info) != STB_WEAK) {
                continue;
            }
            const char *name = name_at(&patch, strings, sym[s].st_name);
            if (crt_weak(name)) {
                continue;
            }
            if (type != R_X86_64_GLOB_DAT && type != R_X86_64_JUMP_SLOT && type != R_X86_64_64) {
                failed = fix_fail(result, size, "reference %s: relocation type %u (thread-local or other) is not bound by"
                        " the agent's folder: apply it with tfix; nothing was loaded", name, type);
                continue;
            }
            if (dlsym(RTLD_DEFAULT, name) != NULL) {
                continue; /* exported: the loader binds it */
            }
            if (exe.data == NULL && (realpath("/proc/self/exe", exe_path) == NULL || elf_open(exe_path, &exe) != 0)) {
                failed = fix_fail(result, size, "reference %s: cannot read the program's file; nothing was loaded", name);
                continue;
            }
            uint64_t value = 0;
            int t = 0, found = program_symbol(&exe, name, &value, &t);
            if (found == -1) {
                failed = fix_fail(result, size, "reference %s is found nowhere (not exported, not in the program's .symtab:"
                        " stripped?); nothing was loaded", name);
            } else if (found == -2) {
                failed = fix_fail(result, size, "reference %s names two definitions in the program: tfix picks one with"
                        " TFIX_REF_FROM (the agent's folder does not); nothing was loaded", name);
            } else if (t == STT_TLS || t == STT_GNU_IFUNC) {
                failed = fix_fail(result, size, "reference %s is %s: the agent's folder does not bind it, tfix does;"
                        " nothing was loaded", name, t == STT_TLS ? "thread-local" : "an IFUNC");
            } else {
                if (bias == 0) {
                    dl_iterate_phdr(exe_bias, &bias);
                }
                if (add_slot(refs, &r[k], bias + value) != 0) {
                    failed = fix_fail(result, size, "more than %d references to bind; nothing was loaded", FIX_MAX_REFS);
                }
            }
        }
    }
    elf_close(&exe);
    elf_close(&patch);
    return failed ? -1 : 0;
}

int refs_bind(void *handle, const struct fix_refs *refs, char *result, size_t size) {
    struct link_map *map = NULL;
    if (refs->count > 0 && (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == NULL)) {
        return fix_fail(result, size, "cannot find where the patch was loaded (dlinfo: %s)", dlerror());
    }
    for (int i = 0; i < refs->count; i++) {
        uint64_t at = map->l_addr + refs->slot[i].offset, back = 0;
        /* The slot may sit in the patch's RELRO, read-only by now: /proc/self/mem writes it without mprotect. */
        if (memory_pwrite(at, &refs->slot[i].value, 8) != 0 || memory_pread(at, &back, 8) != 0
                || back != refs->slot[i].value) {
            return fix_fail(result, size, "reference slot %#lx of the patch did not read back as written",
                    (unsigned long) at);
        }
    }
    return 0;
}
