package tfix.engine.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.Maps;
import tfix.engine.process.MemoryMap;
import tfix.engine.process.ProcMemory;
import tfix.engine.remote.MappedMemfd;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.sys.Mman;

/**
 * The record of applied patches, kept in the target itself: a private mapping of a
 * memfd named "tfix-record", found again by any later tfix run from /proc/PID/maps.
 * A forked child inherits a copy, as it inherits the patched code.
 *
 * Layout: "TFIXREC1", then the used length (8 bytes, little-endian), then event lines.
 * The length is updated after the line is written, so a reader never sees half a line.
 * A new record (made, or remade compacted or larger) gets its magic last, so a mapping with
 * no magic is one a killed run left half made, or one retired: stale, unmapped by the next
 * write. Of two complete records (a run killed between making one and retiring the other)
 * the one of the higher generation is the record.
 */
public final class RecordStore {
    public static final String NAME = "tfix-record";
    static final byte[] MAGIC = "TFIXREC1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 16;
    static final long CAPACITY = 1 << 20;
    /** Largest record tfix reads or makes: far beyond any real use, well below what a forged length could ask. */
    static final long MAX_CAPACITY = 64L << 20;

    private final ProcMemory memory;
    private final long base;
    private final long capacity;
    private final String damage;

    private RecordStore(ProcMemory memory, long base, long capacity, String damage) {
        this.memory = memory;
        this.base = base;
        this.capacity = capacity;
        this.damage = damage;
    }

    /** What a process's maps hold: its record if any, and stale record mappings to unmap. */
    public record Found(RecordStore record, List<MemoryMap> stale) {
    }

    /** The process's record, if a tfix run ever made one. */
    public static Found find(Maps maps, ProcMemory memory) {
        RecordStore best = null;
        long bestGeneration = -1;
        List<MemoryMap> stale = new ArrayList<>();
        for (MemoryMap m : maps.entries()) {
            if (!m.path().startsWith("/memfd:" + NAME) || !m.perms().startsWith("rw") || m.size() < HEADER) {
                continue;
            }
            byte[] magic = memory.read(m.start(), MAGIC.length);
            if (Arrays.equals(magic, new byte[MAGIC.length])) {
                stale.add(m);
                continue;
            }
            RecordStore store = new RecordStore(memory, m.start(), Math.min(m.size(), MAX_CAPACITY),
                    Arrays.equals(magic, MAGIC) ? null : "it does not start with " + new String(MAGIC, StandardCharsets.US_ASCII));
            long generation = store.damage == null ? store.generation() : Long.MAX_VALUE;
            if (best != null) {
                stale.add(generation > bestGeneration ? best.mapping(maps) : m);
            }
            if (generation > bestGeneration) {
                best = store;
                bestGeneration = generation;
            }
        }
        // Nothing is stale next to a damaged record: tfix changes nothing in such a process.
        return new Found(best, best != null && best.damage != null ? List.of() : stale);
    }

    private MemoryMap mapping(Maps maps) {
        return maps.entries().stream().filter(m -> m.start() == base).findFirst().orElseThrow();
    }

    /** The generation a compacted record names on its first line; 0 for a record never compacted (or unreadable). */
    private long generation() {
        long used = memory.readLong(base + MAGIC.length);
        if (used <= 0 || used > capacity - HEADER) {
            return 0;
        }
        String head = new String(memory.read(base + HEADER, (int) Math.min(used, 32)), StandardCharsets.US_ASCII);
        if (!head.startsWith("generation\t") || head.indexOf('\n') < 0) {
            return 0;
        }
        String n = head.substring("generation\t".length(), head.indexOf('\n'));
        return n.length() <= 10 && !n.isEmpty() && n.chars().allMatch(c -> c >= '0' && c <= '9') ? Long.parseLong(n) : 0;
    }

    /** Makes an empty record inside the target. */
    public static RecordStore create(RemoteLibc libc, ProcMemory memory) {
        return create(libc, memory, new byte[0], CAPACITY);
    }

    /**
     * Makes a record holding {@code content} inside the target with remote calls: memfd_create,
     * ftruncate, mmap, close; the content, then the length, then the magic.
     */
    static RecordStore create(RemoteLibc libc, ProcMemory memory, byte[] content, long capacity) {
        if (capacity > MAX_CAPACITY || HEADER + content.length > capacity) {
            throw new TfixException(Reason.RECORD, "the patch record would need " + (HEADER + content.length) + " bytes, more"
                    + " than the " + MAX_CAPACITY + " tfix allows: revert patches (or restart the process) to free it");
        }
        // One go on one borrowed thread (the descriptor closed there too): a run killed meanwhile leaves at most a
        // mapping without the magic, stale, unmapped by the next write.
        MappedMemfd made = libc.memfdMapping(NAME, Mman.MFD_CLOEXEC, capacity, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE);
        if (made.fd() < 0 || made.fd() > Integer.MAX_VALUE) {
            throw new TfixException(Reason.TARGET_REFUSED, "the target could not create its patch record (memfd_create failed)");
        }
        if (made.truncated() != 0) {
            if (made.mapped()) {
                libc.munmap(made.address(), capacity); // of an empty file: no use
            }
            throw new TfixException(Reason.TARGET_REFUSED, "the target could not size its patch record (ftruncate failed)");
        }
        if (!made.mapped()) {
            throw new TfixException(Reason.TARGET_REFUSED, "the target could not map its patch record (mmap failed)");
        }
        long addr = made.address();
        if (content.length > 0) {
            memory.write(addr + HEADER, content);
        }
        memory.write(addr + MAGIC.length, littleEndian(content.length));
        memory.write(addr, MAGIC);
        return new RecordStore(memory, addr, capacity, null);
    }

    /** Takes this record out of use once its successor is complete: the magic first, so a cut here leaves it stale. */
    void retire(RemoteLibc libc) {
        memory.write(base, new byte[MAGIC.length]);
        libc.munmap(base, capacity);
    }

    static void unmapStale(List<MemoryMap> stale, RemoteLibc libc) {
        for (MemoryMap m : stale) {
            libc.munmap(m.start(), m.size());
        }
    }

    public long address() {
        return base;
    }

    long capacity() {
        return capacity;
    }

    long used() {
        if (damage != null) {
            throw new TfixException(Reason.RECORD, String.format("the patch record at %#x is damaged (%s): tfix will not"
                    + " act on it; restart the process to clear its patches", base, damage));
        }
        long used = memory.readLong(base + MAGIC.length);
        if (used < 0 || used > capacity - HEADER) {
            throw new TfixException(Reason.RECORD, String.format("the patch record at %#x is damaged (length %d, its mapping"
                    + " holds %d): tfix will not act on it; restart the process to clear its patches", base, used, capacity));
        }
        return used;
    }

    public PatchLog read() {
        long used = used();
        byte[] text = used == 0 ? new byte[0] : memory.read(base + HEADER, (int) used);
        return PatchLog.parse(new String(text, StandardCharsets.UTF_8));
    }

    /** Whether {@code bytes} more fit. */
    boolean fits(long bytes) {
        return HEADER + used() + bytes <= capacity;
    }

    public void append(byte[] line) {
        long used = used();
        if (HEADER + used + line.length > capacity) {
            throw new TfixException(Reason.RECORD, "the patch record is full (" + capacity + " bytes): tfix makes room"
                    + " before each apply, so this record was filled by another program");
        }
        memory.write(base + HEADER + used, line);
        memory.write(base + MAGIC.length, littleEndian(used + line.length));
    }

    private static byte[] littleEndian(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
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
