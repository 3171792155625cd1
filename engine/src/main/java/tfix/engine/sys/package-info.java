/**
 * The native binding (jnr-ffi over libc: ptrace, waitpid, syscall) and the one home of kernel ABI numbers:
 * system call numbers, errno and ERESTART codes, mmap and dlopen flags, signal numbers; the kernel's process events
 * connector and fanotify exec permission events ({@code tfix watch}). Uses only {@code failure}.
 */
package tfix.engine.sys;
