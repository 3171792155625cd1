/**
 * The only code that writes to a target's code: {@link tfix.engine.apply.Write}s applied in one stop by the
 * {@link tfix.engine.apply.Applier} after the thread and stack checks (made in C inside one native call by {@link tfix.engine.apply.NativeFreeze}
 * where libtfix-freeze.so is loaded, by the Java path otherwise), and the {@link tfix.engine.apply.Installer}
 * that records them. Only the tracer thread may use it. Uses {@code prepare}, {@code record}, {@code patch},
 * {@code ptrace}, {@code process}, {@code remote}.
 */
package tfix.engine.apply;
