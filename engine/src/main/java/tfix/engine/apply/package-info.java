/**
 * The only code that writes to a target's code: {@link tfix.engine.apply.Write}s applied in one stop by the
 * {@link tfix.engine.apply.Applier} after the thread and stack checks, and the {@link tfix.engine.apply.Installer}
 * that records them. Only the tracer thread may use it. Uses {@code prepare}, {@code record}, {@code patch},
 * {@code ptrace}, {@code process}, {@code remote}.
 */
package tfix.engine.apply;
