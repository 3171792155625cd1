package tfix.engine.ptrace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.LibraryLoader;
import tfix.engine.sys.LibC;
import tfix.engine.sys.Native;
import tfix.engine.sys.Syscalls;

/**
 * libtfix-freeze.so (C in engine/src/main/c, built by the engine's Maven build into its jar): the stop window in
 * one native call, without a ptrace request per thread made through the FFI. Loaded from the jar through a
 * memfd, so no file is left anywhere; absent (not built, no gcc, another CPU) or refused with
 * {@code -Dtfix.freeze=java}, the Java path does the same work.
 */
public final class FreezeLibrary {
    static final String RESOURCE = "/tfix/engine/native/libtfix-freeze.so";
    private static final int MFD_CLOEXEC = 1;

    /** The one native entry; in and out are addresses of the arrays NativeStop lays out. */
    public interface Calls {
        long tfix_freeze(long in, long out);

        /** The tracer thread's idle loop (forward.c, {@link IdleForward}). */
        long tfix_forward(long in, long out);
    }

    private static final class Holder {
        static final Calls CALLS = load();
    }

    private FreezeLibrary() {
    }

    /** The library, or null where it cannot be used (then the Java path runs). */
    static Calls calls() {
        return "java".equals(System.getProperty("tfix.freeze")) ? null : Holder.CALLS;
    }

    /** The library whatever {@code tfix.freeze} says (the idle loop has its own switch), or null. */
    static Calls library() {
        return Holder.CALLS;
    }

    public static boolean available() {
        return calls() != null;
    }

    private static Calls load() {
        if (!"amd64".equals(System.getProperty("os.arch"))) {
            return null;
        }
        try (InputStream in = FreezeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return null;
            }
            byte[] bytes = in.readAllBytes();
            LibC libc = new Native().libc();
            jnr.ffi.Pointer name = new Native().allocate(16);
            name.putString(0, "tfix-freeze", 15, java.nio.charset.StandardCharsets.US_ASCII);
            int fd = (int) libc.syscall(Syscalls.MEMFD_CREATE, name.address(), MFD_CLOEXEC, 0);
            if (fd < 0) {
                return null;
            }
            try {
                Path path = Path.of("/proc/self/fd/" + fd);
                Files.write(path, bytes);
                return LibraryLoader.create(Calls.class).load(path.toString());
            } finally {
                libc.close(fd); // the mapping keeps the library
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            return null;
        }
    }
}
