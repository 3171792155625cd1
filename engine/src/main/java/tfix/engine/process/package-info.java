/**
 * A process seen through /proc, without ptrace: its threads, maps, status (tracer, signal masks, thread
 * features), task stat flags, the system call a thread waits in, and its memory through /proc/PID/mem.
 * Uses {@code sys} and {@code failure}.
 */
package tfix.engine.process;
