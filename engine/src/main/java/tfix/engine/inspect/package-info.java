/** Read-only views for the inspection verbs (disas, symbols, maps, threads, peek). Uses {@code elf}, {@code process}, {@code x86}. */
package tfix.engine.inspect;
