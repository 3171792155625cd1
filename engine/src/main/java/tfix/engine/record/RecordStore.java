package tfix.engine.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import tfix.engine.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.ptrace.ProcMemory;
import tfix.engine.remote.RemoteCaller;

/**
 * The record of applied patches, kept in the target itself: a private mapping of a
 * memfd named "tfix-record", found again by any later tfix run from /proc/PID/maps.
 * A forked child inherits a copy, as it inherits the patched code.
 *
 * Layout: "TFIXREC1", then the used length (8 bytes, little-endian), then event lines.
 * The length is updated after the line is written, so a reader never sees half a line.
 */
public final class RecordStore {
    public static final String NAME = "tfix-record";
    static final byte[] MAGIC = "TFIXREC1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 16;
    static final long CAPACITY = 1 << 20;
    private static final int MFD_CLOEXEC = 1, PROT_RW = 3, MAP_PRIVATE = 2;

    private final ProcMemory memory;
    private final long base;
    private final long capacity;

    private RecordStore(ProcMemory memory, long base, long capacity) {
        this.memory = memory;
        this.base = base;
        this.capacity = capacity;
    }

    /** The process's record, if a tfix run ever made one. */
    public static Optional<RecordStore> find(Maps maps, ProcMemory memory) {
        for (MemoryMap m : maps.entries()) {
            if (m.path().startsWith("/memfd:" + NAME) && m.perms().startsWith("rw")) {
                byte[] magic = memory.read(m.start(), MAGIC.length);
                if (Arrays.equals(magic, MAGIC)) {
                    return Optional.of(new RecordStore(memory, m.start(), m.size()));
                }
            }
        }
        return Optional.empty();
    }

    /** Makes the record inside the target with remote calls: memfd_create, ftruncate, mmap, close. */
    public static RecordStore create(RemoteCaller caller, ProcMemory memory) {
        long fd = caller.call("memfd_create", caller.libcFunction("memfd_create"), RemoteCaller.string(NAME),
                RemoteCaller.value(MFD_CLOEXEC));
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            throw new TfixException("the target could not create its patch record (memfd_create failed)");
        }
        try {
            long r = caller.call("ftruncate", caller.libcFunction("ftruncate"), RemoteCaller.value(fd), RemoteCaller.value(CAPACITY));
            if (r != 0) {
                throw new TfixException("the target could not size its patch record (ftruncate failed)");
            }
            long addr = caller.call("mmap", caller.libcFunction("mmap"), RemoteCaller.value(0), RemoteCaller.value(CAPACITY),
                    RemoteCaller.value(PROT_RW), RemoteCaller.value(MAP_PRIVATE), RemoteCaller.value(fd), RemoteCaller.value(0));
            if (addr == -1 || addr == 0) {
                throw new TfixException("the target could not map its patch record (mmap failed)");
            }
            RecordStore store = new RecordStore(memory, addr, CAPACITY);
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            header.put(MAGIC).putLong(0);
            memory.write(addr, header.array());
            return store;
        } finally {
            caller.call("close", caller.libcFunction("close"), RemoteCaller.value(fd));
        }
    }

    public long address() {
        return base;
    }

    private long used() {
        return memory.readLong(base + MAGIC.length);
    }

    public PatchLog read() {
        long used = used();
        if (used < 0 || used > capacity - HEADER) {
            throw new TfixException(String.format("the patch record at %#x is damaged (length %d)", base, used));
        }
        byte[] text = used == 0 ? new byte[0] : memory.read(base + HEADER, (int) used);
        return PatchLog.parse(new String(text, StandardCharsets.UTF_8));
    }

    public void append(byte[] line) {
        long used = used();
        if (HEADER + used + line.length > capacity) {
            throw new TfixException("the patch record is full (" + capacity + " bytes); revert patches to free it");
        }
        memory.write(base + HEADER + used, line);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(used + line.length);
        memory.write(base + MAGIC.length, len.array());
    }

    public void appendAll(List<byte[]> lines) {
        int total = lines.stream().mapToInt(l -> l.length).sum();
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] l : lines) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        append(all);
    }
}
