package tfix.engine.remote;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Optional;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.Symbol;
import tfix.engine.elf.SymbolDefinitions;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.Mman;

/**
 * The target's own libc, called by name through a {@link RemoteCaller} (ptrace) or an {@link AgentCalls} (the
 * agent's control thread): one method per call tfix makes.
 */
public final class RemoteLibc {
    private final FunctionCalls caller;

    public RemoteLibc(FunctionCalls caller) {
        this.caller = caller;
    }

    int pid() {
        return caller.pid();
    }

    /** The address of an exported libc function, by its default version. */
    public Optional<Long> symbol(String name) {
        for (LoadedModule m : caller.symbols().modules()) {
            if (!m.fileName().startsWith("libc.so") && !m.fileName().startsWith("libc-")) {
                continue;
            }
            Optional<Symbol> s = m.named(name).stream()
                    .filter(Symbol::isFunction)
                    .min(Comparator.comparingInt(sym -> sym.name().contains("@@") || !sym.name().contains("@") ? 0 : 1));
            if (s.isPresent()) {
                return Optional.of(m.runtimeAddress(s.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * The address of a variable libc exports ({@code environ}), from its .dynsym/.symtab definitions: the function
     * symbols {@link #symbol} looks at leave data out.
     */
    public Optional<Long> variable(String name) {
        for (LoadedModule m : caller.symbols().modules()) {
            if (m.fileName().startsWith("libc.so") || m.fileName().startsWith("libc-")) {
                Optional<Long> at = m.definitions().named(name).stream()
                        .filter(d -> d.type() == SymbolDefinitions.STT_OBJECT && !d.local() && d.value() != 0)
                        .map(d -> m.bias() + d.value()).findFirst();
                if (at.isPresent()) {
                    return at;
                }
            }
        }
        return Optional.empty();
    }

    /** The target's memory, for reading what a variable points to. */
    public byte[] read(long address, int length) {
        return caller.memory().read(address, length);
    }

    public long function(String name) {
        return symbol(name).orElseThrow(() -> new TfixException(Reason.UNSUPPORTED,
                "libc of process " + caller.pid() + " has no " + name));
    }

    /** Calls a libc function by name; {@code what} names the call in messages. */
    public long call(String what, String function, RemoteCaller.Arg... args) {
        return caller.call(what, function(function), args);
    }

    /** The same for a call that takes none of libc's locks (a system call's wrapper): any thread may run it. */
    public long callLockFree(String what, String function, RemoteCaller.Arg... args) {
        return syscallWrapper(what, function, args);
    }

    /** The same for a system call's wrapper, which takes no lock. */
    private long syscallWrapper(String what, String function, RemoteCaller.Arg... args) {
        return caller.callLockFree(what, function(function), args);
    }

    /** mmap(hint, length, prot, flags, -1, 0) of anonymous memory; returns the address or {@link Mman#MAP_FAILED}. */
    public long mmapAnonymous(String what, long hint, long length, int prot, int flags) {
        return syscallWrapper(what, "mmap", RemoteCaller.value(hint), RemoteCaller.value(length), RemoteCaller.value(prot),
                RemoteCaller.value(flags | Mman.MAP_ANONYMOUS), RemoteCaller.value(-1), RemoteCaller.value(0));
    }

    /** mmap(0, length, prot, flags, fd, 0); returns the address or {@link Mman#MAP_FAILED}. */
    public long mmapFile(String what, long length, int prot, int flags, long fd) {
        return syscallWrapper(what, "mmap", RemoteCaller.value(0), RemoteCaller.value(length), RemoteCaller.value(prot),
                RemoteCaller.value(flags), RemoteCaller.value(fd), RemoteCaller.value(0));
    }

    public long munmap(long address, long length) {
        return syscallWrapper("munmap", "munmap", RemoteCaller.value(address), RemoteCaller.value(length));
    }

    public long memfdCreate(String name, int flags) {
        return syscallWrapper("memfd_create", "memfd_create", RemoteCaller.string(name), RemoteCaller.value(flags));
    }

    /**
     * memfd_create(name, memfdFlags), ftruncate to {@code length}, mmap(0, length, prot, flags, fd, 0) and close: in one
     * go on one borrowed thread when the route can, else as four calls, stopping at the first that fails.
     */
    public MappedMemfd memfdMapping(String name, int memfdFlags, long length, int prot, int flags) {
        return caller.memfdMapping(name, memfdFlags, length, prot, flags).orElseGet(() -> {
            long fd = memfdCreate(name, memfdFlags);
            if (fd < 0) {
                return new MappedMemfd(fd, -1, Mman.MAP_FAILED, -1);
            }
            long truncated = ftruncate(fd, length);
            long address = truncated == 0 ? mmapFile("mmap of " + name, length, prot, flags, fd) : Mman.MAP_FAILED;
            return new MappedMemfd(fd, truncated, address, close(fd));
        });
    }

    public long ftruncate(long fd, long length) {
        return syscallWrapper("ftruncate", "ftruncate", RemoteCaller.value(fd), RemoteCaller.value(length));
    }

    public long close(long fd) {
        return syscallWrapper("close", "close", RemoteCaller.value(fd));
    }

    /** dlopen(path, flags), or glibc's older __libc_dlopen_mode; returns the handle, 0 on failure. */
    public long dlopen(String path, int flags) {
        long dlopen = symbol("dlopen").or(() -> symbol("__libc_dlopen_mode")).orElseThrow(() ->
                new TfixException(Reason.UNSUPPORTED, "the target's libc has neither dlopen nor __libc_dlopen_mode:"
                        + " is it statically linked?"));
        return caller.call("dlopen of " + path, dlopen, RemoteCaller.string(path), RemoteCaller.value(flags));
    }

    /** The target's dlerror() text, or "no reason given". */
    public String dlerror() {
        return symbol("dlerror").map(f -> {
            long msg = caller.call("dlerror", f);
            return msg == 0 ? "no reason given" : readString(msg, 4096);
        }).orElse("no reason given");
    }

    /** Reads a NUL-terminated string of at most {@code max} bytes from the target. */
    public String readString(long address, int max) {
        StringBuilder sb = new StringBuilder();
        for (int off = 0; off < max; off += 256) {
            byte[] b = caller.memory().read(address + off, 256);
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    sb.append(new String(b, 0, i, StandardCharsets.UTF_8));
                    return sb.toString();
                }
            }
            sb.append(new String(b, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }
}
