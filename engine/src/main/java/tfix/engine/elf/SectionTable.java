package tfix.engine.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * An ELF file's section headers read by tfix itself, before jelf parses anything: jelf allocates what a
 * section header claims (a string table's size, a note's length), so a damaged or hostile file could ask for
 * gigabytes. Every section must lie inside the file. Also finds the GNU build-id note, bounds-checked.
 */
final class SectionTable {
    private static final int SHT_NULL = 0;
    private static final int SHT_NOTE = 7;
    private static final int SHT_NOBITS = 8;
    private static final int NT_GNU_BUILD_ID = 3;
    /** Larger note sections are not build-id notes (those hold a name and at most a few dozen bytes). */
    private static final long MAX_NOTE_SECTION = 64 * 1024;

    /** One section header: what tfix checks and reads of it. */
    record Header(int index, int type, long offset, long size) {
        boolean occupiesFile() {
            return type != SHT_NULL && type != SHT_NOBITS;
        }
    }

    private final FileWindows data;
    private final List<Header> headers;

    private SectionTable(FileWindows data, List<Header> headers) {
        this.data = data;
        this.headers = headers;
    }

    /** Reads and checks the headers; an IllegalArgumentException names the first thing wrong. */
    static SectionTable read(FileWindows data) {
        if (data.size() < 64) {
            throw new IllegalArgumentException("too short for an ELF header (" + data.size() + " bytes)");
        }
        ByteBuffer eh = little(data.bytes(0, 64));
        long shoff = eh.getLong(0x28);
        int entsize = eh.getShort(0x3a) & 0xffff;
        int count = eh.getShort(0x3c) & 0xffff;
        if (count == 0) {
            return new SectionTable(data, List.of());
        }
        if (entsize != 64 || shoff < 0 || shoff > data.size() || (long) count * entsize > data.size() - shoff) {
            throw new IllegalArgumentException(String.format("its section header table (%d entries at %#x) is not inside the file",
                    count, shoff));
        }
        ByteBuffer table = little(data.bytes(shoff, count * entsize));
        List<Header> headers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = i * entsize;
            Header h = new Header(i, table.getInt(at + 4), table.getLong(at + 0x18), table.getLong(at + 0x20));
            if (h.occupiesFile() && (h.offset() < 0 || h.size() < 0 || h.offset() > data.size() - h.size())) {
                throw new IllegalArgumentException(String.format("section %d (%#x bytes at %#x) runs past the end of the file (%d bytes)",
                        i, h.size(), h.offset(), data.size()));
            }
            headers.add(h);
        }
        return new SectionTable(data, List.copyOf(headers));
    }

    List<Header> headers() {
        return headers;
    }

    /** The GNU build-id, from the first note section that holds one. */
    Optional<String> buildId() {
        for (Header h : headers) {
            if (h.type() == SHT_NOTE && h.size() <= MAX_NOTE_SECTION) {
                Optional<String> id = buildIdIn(little(data.bytes(h.offset(), (int) h.size())));
                if (id.isPresent()) {
                    return id;
                }
            }
        }
        return Optional.empty();
    }

    /** Walks the notes of one section: namesz, descsz, type, then name and descriptor each padded to 4 bytes. */
    private static Optional<String> buildIdIn(ByteBuffer notes) {
        int at = 0;
        while (notes.limit() - at >= 12) {
            long namesz = notes.getInt(at) & 0xffffffffL;
            long descsz = notes.getInt(at + 4) & 0xffffffffL;
            int type = notes.getInt(at + 8);
            long name = at + 12L;
            long desc = name + align4(namesz);
            long next = desc + align4(descsz);
            if (desc + descsz > notes.limit()) {
                return Optional.empty();
            }
            if (type == NT_GNU_BUILD_ID && namesz == 4 && notes.getInt((int) name) == 0x00554e47 && descsz > 0) { // "GNU\0"
                byte[] id = new byte[(int) descsz];
                notes.get((int) desc, id);
                return Optional.of(HexFormat.of().formatHex(id));
            }
            if (next > notes.limit()) {
                return Optional.empty();
            }
            at = (int) next;
        }
        return Optional.empty();
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    private static ByteBuffer little(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
