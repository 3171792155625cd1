/**
 * Calls inside the target: the self-restoring call stub and where it lives, the frame on a borrowed thread's
 * stack, choosing the thread to borrow, the caller, named libc calls ({@link tfix.engine.remote.RemoteLibc}) and
 * loading a patch with the target's own dlopen. Only the tracer thread may use it. Uses {@code ptrace},
 * {@code process}, {@code elf}, {@code x86}, {@code sys}.
 */
package tfix.engine.remote;
