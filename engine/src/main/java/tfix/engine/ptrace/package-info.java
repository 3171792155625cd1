/**
 * Tracing: raw ptrace requests, the one OS thread that owns a tracee ({@link tfix.engine.ptrace.PtraceThread}),
 * seizing every thread, stopping and resuming them, registers, wait statuses, and restarting an interrupted
 * system call as the kernel would; a process caught at exec run to its entry point and held there
 * ({@link tfix.engine.ptrace.EntryRun}); the whole stop window in one call of libtfix-freeze.so (C in
 * engine/src/main/c: {@link tfix.engine.ptrace.NativeStop}, {@link tfix.engine.ptrace.FreezeLibrary}), and the tracer thread's wait between tasks, which passes signals on in native code ({@link tfix.engine.ptrace.IdleForward}). Only the owning thread may call a {@link tfix.engine.ptrace.Tracee}; it checks. Uses {@code process}, {@code sys}, {@code failure}.
 */
package tfix.engine.ptrace;
