/*
 * tfix.h: declarations for a patch that uses the program's own functions and variables.
 *
 * Compile the patch with: gcc -shared -fPIC -I"$(tfix --include-dir)" -o fix.so fix.c
 *
 * A reference to the program is a weak declaration: the dynamic loader leaves it unbound (0) when the
 * program does not export the name, and tfix binds it, before any jump leads into the patch, to the
 * address the program's symbol tables give (.symtab and .dynsym: static and hidden symbols included).
 * Looked up in the module of the function being replaced, then the executable, then the other libraries
 * in load order. A name tfix finds nowhere refuses the replace before the patch is loaded.
 *
 * The patch's constructors run inside dlopen, BEFORE tfix binds the references: they must not use them.
 */
#ifndef TFIX_H
#define TFIX_H

/*
 * A variable of the program, static or not:  TFIX_EXTERN(int, counter);
 * A thread-local one (each thread sees its own):  TFIX_EXTERN(__thread int, requests);
 * tfix writes its TLS module id and offset (or, for a patch built with -ftls-model=initial-exec, its offset from
 * the thread pointer: only for variables of modules loaded at startup). -mtls-dialect=gnu2 is not supported.
 */
#define TFIX_EXTERN(type, name) extern type name __attribute__((weak))

/* A function of the program, static or not:  TFIX_EXTERN_FN(int, bonus, (int level));  */
#define TFIX_EXTERN_FN(ret, name, params) extern ret name params __attribute__((weak))

/*
 * Any symbol by its assembler (for C++: mangled) name, for names declared the usual way, such as a class's
 * static members:  struct Game { static int total; };  TFIX_WEAK(_ZN4Game5totalE);
 */
#define TFIX_WEAK(symbol) __asm__(".weak " #symbol)

/*
 * A name defined in several source files of one module (two `static int counter`): pick the file.
 * TFIX_REF_FROM("counter", "scores.c");  The file is the name gcc was given for it (its base name is enough).
 */
#define TFIX_REF_FROM(name, file) TFIX_REF_FROM_(name, file, __COUNTER__)
#define TFIX_REF_FROM_(name, file, n) TFIX_REF_FROM__(name, file, n)
#define TFIX_REF_FROM__(name, file, n) \
    __attribute__((used, section(".tfix.refs"))) static const char tfix_ref_##n[] = name " " file

/*
 * The patch's own fix table: what it replaces, so that `apply 'fix.so'` needs no script. One entry each,
 * applied together as one transaction:
 *   TFIX_FIX("replace compute with compute_v2");
 *   TFIX_FIX("replace bonus with bonus_v2 original bonus_orig lib libgame.so");
 *   TFIX_FIX("replace strtol with strtol_v2 in libgreet.so");
 *   TFIX_FIX("expect buildId 1ebca664957455b5 lib libgame.so");   (refuse any other build of it)
 * Words after `replace OLD with NEW`: original VAR, lib LIBRARY, in MODULE, clones ignore (the script forms).
 */
#define TFIX_FIX(text) TFIX_FIX_(text, __COUNTER__)
#define TFIX_FIX_(text, n) TFIX_FIX__(text, n)
#define TFIX_FIX__(text, n) __attribute__((used, section(".tfix.fixes"))) static const char tfix_fix_##n[] = text

#endif
