/** Read-only views for the inspection verbs (disas, symbols, maps, threads with backtraces, where, peek). Uses {@code elf}, {@code process}, {@code x86}, {@code sys} (call numbers); threads are stopped through the {@link tfix.engine.inspect.ThreadStops} it is given. */
package tfix.engine.inspect;
