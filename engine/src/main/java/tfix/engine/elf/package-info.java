/**
 * ELF files and symbols: parsing (jelf), the modules mapped in a process with their load bias, name
 * resolution (plain, static, C++ source names, library!name, addresses), demangling. Reads files only.
 * Uses {@code process} (maps), {@code sys} (opening only regular files) and {@code failure}.
 */
package tfix.engine.elf;
