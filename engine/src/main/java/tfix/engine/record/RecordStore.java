package tfix.engine.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.sys.Mman;

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
    public static RecordStore create(RemoteLibc libc, ProcMemory memory) {
        long fd = libc.memfdCreate(NAME, Mman.MFD_CLOEXEC);
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            throw new TfixException(Reason.TARGET_REFUSED, "the target could not create its patch record (memfd_create failed)");
        }
        try {
            if (libc.ftruncate(fd, CAPACITY) != 0) {
                throw new TfixException(Reason.TARGET_REFUSED, "the target could not size its patch record (ftruncate failed)");
            }
            long addr = libc.mmapFile("mmap of the patch record", CAPACITY, Mman.PROT_READ | Mman.PROT_WRITE,
                    Mman.MAP_PRIVATE, fd);
            if (addr == Mman.MAP_FAILED || addr == 0) {
                throw new TfixException(Reason.TARGET_REFUSED, "the target could not map its patch record (mmap failed)");
            }
            RecordStore store = new RecordStore(memory, addr, CAPACITY);
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            header.put(MAGIC).putLong(0);
            memory.write(addr, header.array());
            return store;
        } finally {
            libc.close(fd);
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
            throw new TfixException(Reason.RECORD, String.format("the patch record at %#x is damaged (length %d)", base, used));
        }
        byte[] text = used == 0 ? new byte[0] : memory.read(base + HEADER, (int) used);
        return PatchLog.parse(new String(text, StandardCharsets.UTF_8));
    }

    public void append(byte[] line) {
        long used = used();
        if (HEADER + used + line.length > capacity) {
            throw new TfixException(Reason.RECORD, "the patch record is full (" + capacity + " bytes); revert patches to free it");
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
