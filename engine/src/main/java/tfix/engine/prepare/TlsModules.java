package tfix.engine.prepare;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.SymbolDefinitions.Definition;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;

/**
 * A module's thread-local storage as the dynamic loader set it up in the target: its TLS module id (what
 * __tls_get_addr indexes each thread's DTV with) and its static TLS offset (how far below the thread pointer
 * its block lies, for initial-exec code). Read from the loader's link_map list, found through {@code _r_debug};
 * the two fields' places in glibc's private struct link_map are those libc publishes for libthread_db
 * ({@code _thread_db_link_map_l_tls_modid}/{@code _l_tls_offset}: bits, count, offset), so no glibc version
 * is assumed. Everything read is the target's, untrusted: sizes and counts are checked, the walk is bounded.
 */
final class TlsModules {
    /** glibc's NO_TLS_OFFSET and FORCED_DYNAMIC_TLS_OFFSET: the module has no static TLS block. */
    static final long NO_STATIC_OFFSET = 0, DYNAMIC_ONLY = -1;
    private static final int MAX_MODULES = 65536;
    private static final int MAX_FIELD_OFFSET = 64 * 1024;

    /** A module's TLS identity; {@code offset} is l_tls_offset (positive on x86-64: the block ends there below %fs). */
    record Tls(long modid, long offset) {
        boolean hasStaticBlock() {
            return offset != NO_STATIC_OFFSET && offset != DYNAMIC_ONLY;
        }
    }

    private final List<LoadedModule> modules;
    private final ProcMemory memory;

    TlsModules(List<LoadedModule> modules, ProcMemory memory) {
        this.modules = modules;
        this.memory = memory;
    }

    /** The TLS identity of {@code module}, or a refusal naming what could not be read. */
    Tls of(LoadedModule module) {
        String what = "cannot bind the thread-local variables of " + Printable.of(module.fileName()) + ": ";
        long modidAt = field("_thread_db_link_map_l_tls_modid", what);
        long offsetAt = field("_thread_db_link_map_l_tls_offset", what);
        long map = memory.readLong(global("_r_debug", what) + 8); // struct r_debug { int r_version; struct link_map *r_map; ...}
        Set<Long> seen = new HashSet<>();
        try {
            for (int i = 0; map != 0 && i < MAX_MODULES && seen.add(map); i++) {
                long base = memory.readLong(map);     // l_addr
                long dynamic = memory.readLong(map + 16); // l_ld
                if (base == module.bias() && module.contains(dynamic)) {
                    long modid = memory.readLong(map + modidAt);
                    if (modid <= 0 || modid > MAX_MODULES) {
                        throw new TfixException(Reason.TARGET_REFUSED, what + "its link_map gives TLS module id " + modid
                                + ", which no loaded module has; no jump was written, the patch library stays loaded, unused");
                    }
                    return new Tls(modid, memory.readLong(map + offsetAt));
                }
                map = memory.readLong(map + 24); // l_next
            }
        } catch (UncheckedIOException e) {
            throw new TfixException(Reason.TARGET_REFUSED, what + "the loader's link_map list cannot be read (" + e.getMessage()
                    + "); no jump was written, the patch library stays loaded, unused");
        }
        throw new TfixException(Reason.NOT_FOUND, what + "the loader's link_map list has no entry for it; no jump was"
                + " written, the patch library stays loaded, unused");
    }

    /** Where a link_map field lies, from libc's descriptor {bits, count, offset}: a 64-bit word, or a refusal. */
    private long field(String descriptor, String what) {
        long at = global(descriptor, what);
        ByteBuffer b = ByteBuffer.wrap(memory.read(at, 12)).order(ByteOrder.LITTLE_ENDIAN);
        int bits = b.getInt(), count = b.getInt(), offset = b.getInt();
        if (bits != 64 || count != 1 || offset < 40 || offset > MAX_FIELD_OFFSET || offset % 8 != 0) {
            throw new TfixException(Reason.UNSUPPORTED, what + String.format("libc describes %s as {%d bits, %d, offset %d},"
                    + " not one 64-bit word: this C library is not one tfix can read; reach the variable through a function"
                    + " of the program instead", descriptor, bits, count, offset));
        }
        return offset;
    }

    /** The process address of a global data symbol that glibc (ld.so or libc) exports. */
    private long global(String name, String what) {
        for (LoadedModule m : modules) {
            Optional<Definition> d = m.definitions().named(name).stream().filter(x -> !x.local()).findFirst();
            if (d.isPresent() && !m.isPatchCopy()) {
                return m.bias() + d.get().value();
            }
        }
        throw new TfixException(Reason.UNSUPPORTED, what + "no module exports '" + name + "' (tfix reads the loader's TLS"
                + " bookkeeping through glibc's symbols); reach the variable through a function of the program instead");
    }
}
