package tfix.engine.remote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.Symbol;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.ptrace.Registers;

/**
 * Whether a stopped thread may hold a lock that a call such as dlopen takes again (malloc's
 * arena, a stdio stream, the dynamic loader's lock, every lock fork takes, another
 * allocator's): a thread stopped in mmap inside malloc would deadlock on its own arena. Read
 * from where it stopped and from the return addresses near the top of its stack. A stale word
 * can only make tfix pass over a thread, never borrow one that holds such a lock within the
 * scanned depth, where these libraries' frames lie.
 */
final class LockHolders {
    /** Bytes of stack read above the stack pointer: the frames of libc's locking functions lie there. */
    static final int SCAN = 2048;
    /** Exported functions that run with a lock of libc held and may wait in a system call meanwhile. */
    private static final Set<String> LOCKING = Set.of(
            "malloc", "free", "realloc", "calloc", "memalign", "posix_memalign", "aligned_alloc", "valloc", "pvalloc",
            "reallocarray", "malloc_trim", "mallinfo", "mallinfo2", "malloc_stats", "malloc_info",
            "fopen", "fopen64", "fdopen", "freopen", "fclose", "fflush", "fflush_unlocked", "fread", "fwrite", "fgets",
            "fputs", "puts", "putchar", "fputc", "putc", "fgetc", "getc", "getchar", "getline", "getdelim", "ungetc",
            "printf", "fprintf", "vprintf", "vfprintf", "dprintf", "vdprintf", "scanf", "fscanf", "vfscanf", "perror",
            "fseek", "fseeko", "fseeko64", "ftell", "ftello", "rewind", "setvbuf", "_IO_flush_all", "flockfile",
            "_IO_fflush", "_IO_fwrite", "_IO_puts", "_IO_fgets", "_IO_getline", "_IO_file_write", "_IO_do_write",
            "_IO_file_overflow", "_IO_file_sync", "_IO_file_close", "_IO_file_underflow", "_IO_file_xsputn",
            "dlopen", "dlclose", "dlsym", "dlvsym", "dladdr", "dladdr1", "dlinfo", "dlmopen", "dl_iterate_phdr",
            "_dl_find_object", "__libc_dlopen_mode", "__libc_dlsym", "__libc_dlclose",
            "pthread_getattr_np", "fork", "vfork", "__libc_fork", "atexit", "__cxa_atexit",
            "__cxa_finalize", "exit", "getaddrinfo", "freeaddrinfo", "gethostbyname", "getpwnam", "getpwuid");

    private final ProcessSymbols symbols;
    private final ProcMemory memory;
    private final Map<LoadedModule, Ranges> lockingRanges = new ConcurrentHashMap<>();

    LockHolders(ProcessSymbols symbols, ProcMemory memory) {
        this.symbols = symbols;
        this.memory = memory;
    }

    /**
     * Finds the locking functions of every module that has some, once: the first look-up of a name builds a module's
     * name index, work that must not happen while a thread is stopped.
     */
    void prepare() {
        for (LoadedModule m : symbols.modules()) {
            String file = m.fileName();
            if (file.startsWith("libc.so") || file.startsWith("libc-") || file.startsWith("libpthread")
                    || file.startsWith("libstdc++")) {
                lockingRanges.computeIfAbsent(m, LockHolders::rangesOf);
            }
        }
    }

    /** The locking function the thread is in or returns into, in words ("malloc (libc.so.6)"), or null. */
    String heldBy(Registers regs, Maps maps) {
        String here = locking(regs.rip(), true);
        if (here != null) {
            return here;
        }
        Optional<MemoryMap> stack = maps.find(regs.rsp());
        if (stack.isEmpty()) {
            return null;
        }
        long from = regs.rsp() & ~7L;
        int len = (int) Math.min(SCAN, stack.get().end() - from) & ~7;
        if (len <= 0) {
            return null;
        }
        ByteBuffer words = ByteBuffer.wrap(memory.read(from, len)).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 8 <= len; at += 8) {
            String caller = locking(words.getLong(at), false);
            if (caller != null) {
                return caller;
            }
        }
        return null;
    }

    /**
     * {@code atRip}: the thread executes there now. The loader counts only then: words left on
     * a stack by lazy binding are everywhere, and it takes its lock only under dlopen and
     * friends, which are libc's and counted by name.
     */
    private String locking(long address, boolean atRip) {
        Optional<LoadedModule> m = symbols.moduleAt(address);
        if (m.isEmpty()) {
            return null;
        }
        String file = m.get().fileName();
        if ((atRip && file.startsWith("ld-linux")) || file.startsWith("libjemalloc") || file.startsWith("libtcmalloc")) {
            // Other allocators: any of their code may hold their lock.
            return "code of " + file;
        }
        if (!file.startsWith("libc.so") && !file.startsWith("libc-") && !file.startsWith("libpthread")
                && !file.startsWith("libstdc++")) {
            return null;
        }
        return lockingRanges.computeIfAbsent(m.get(), LockHolders::rangesOf).name(m.get().bias(), address, file);
    }

    /** Where a module's locking functions lie (all names of one address count: malloc is also __libc_malloc). */
    private record Ranges(long[] starts, long[] ends, String[] names) {
        String name(long bias, long address, String file) {
            long link = address - bias;
            for (int i = 0; i < starts.length; i++) {
                if (link >= starts[i] && link < ends[i]) {
                    return names[i] + " (" + file + ")";
                }
            }
            return null;
        }
    }

    private static Ranges rangesOf(LoadedModule m) {
        List<Symbol> found = new ArrayList<>();
        for (String name : LOCKING) {
            found.addAll(m.named(name).stream().filter(x -> x.isFunction() && x.size() > 0).toList());
        }
        if (m.fileName().startsWith("libstdc++")) {
            for (Symbol x : m.image().symbols()) {
                if (x.isFunction() && x.size() > 0 && x.plainName().contains("__pool")) { // libstdc++'s allocator pool
                    found.add(x);
                }
            }
        }
        return new Ranges(found.stream().mapToLong(Symbol::value).toArray(),
                found.stream().mapToLong(x -> x.value() + x.size()).toArray(),
                found.stream().map(Symbol::plainName).toArray(String[]::new));
    }
}
