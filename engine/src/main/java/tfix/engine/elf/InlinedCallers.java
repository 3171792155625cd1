package tfix.engine.elf;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Where a function without a symbol went, from the file's DWARF: the functions whose code holds an inlined
 * copy of it (a {@code DW_TAG_inlined_subroutine} whose abstract origin is named so, and the
 * {@code DW_TAG_subprogram} around it). Reads {@code .debug_info}, {@code .debug_abbrev} and the string
 * sections, DWARF 2 to 5, 32- and 64-bit; the file may be hostile, so anything it cannot read soundly (a form
 * it does not know, an offset out of bounds, split or compressed debug information) gives no answer rather
 * than a wrong one. Only for messages: nothing is planned from it.
 */
final class InlinedCallers {
    /** Larger debug information is not read for a message (it would be copied onto the heap). */
    private static final long MAX_SECTION = 64L << 20;
    private static final int TAG_SUBPROGRAM = 0x2e;
    private static final int TAG_INLINED = 0x1d;
    private static final int AT_NAME = 0x03;
    private static final int AT_ABSTRACT_ORIGIN = 0x31;
    private static final int AT_SPECIFICATION = 0x47;

    /** One abbreviation: a DIE's tag, whether it has children, its attributes' names and forms. */
    private record Abbrev(int tag, boolean children, int[] attrs, int[] forms) {
    }

    private final ByteBuffer info;
    private final ByteBuffer abbrevs;
    private final ByteBuffer str;
    private final ByteBuffer lineStr;
    /** A DIE's name, and the DIE it takes its name from (abstract origin or specification), by .debug_info offset. */
    private final Map<Long, String> names = new HashMap<>();
    private final Map<Long, Long> origins = new HashMap<>();
    /** Each inlined copy: the DIE it is a copy of, and the subprogram whose code holds it. */
    private final List<long[]> inlined = new ArrayList<>();
    /** Abbreviation tables by offset: units often share one. */
    private final Map<Long, Map<Long, Abbrev>> tables = new HashMap<>();

    private InlinedCallers(ByteBuffer info, ByteBuffer abbrevs, ByteBuffer str, ByteBuffer lineStr) {
        this.info = info;
        this.abbrevs = abbrevs;
        this.str = str;
        this.lineStr = lineStr;
    }

    /** The callers holding an inlined copy of {@code name}, sorted; empty when the file has no DWARF tfix can read. */
    static Optional<List<String>> of(ElfImage image, String name) {
        Optional<ByteBuffer> info = read(image, ".debug_info");
        Optional<ByteBuffer> abbrev = read(image, ".debug_abbrev");
        if (info.isEmpty() || abbrev.isEmpty()) {
            return Optional.empty();
        }
        InlinedCallers d = new InlinedCallers(info.get(), abbrev.get(), read(image, ".debug_str").orElse(null),
                read(image, ".debug_line_str").orElse(null));
        try {
            d.units();
        } catch (IndexOutOfBoundsException | BufferUnderflowException | IllegalArgumentException e) {
            return Optional.empty(); // damaged or beyond what is understood here: no answer
        }
        TreeSet<String> callers = new TreeSet<>();
        for (long[] copy : d.inlined) {
            if (name.equals(d.nameOf(copy[0])) && d.nameOf(copy[1]) != null) {
                callers.add(d.nameOf(copy[1]));
            }
        }
        return Optional.of(List.copyOf(callers));
    }

    private static Optional<ByteBuffer> read(ElfImage image, String section) {
        return image.section(section).filter(r -> r.size() <= MAX_SECTION)
                .map(r -> ByteBuffer.wrap(image.fileBytes(r.offset(), (int) r.size())).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** A DIE's name, following abstract origins and specifications (a bounded number of steps: a file may loop). */
    private String nameOf(long die) {
        Long at = die;
        for (int i = 0; i < 8 && at != null; i++) {
            String n = names.get(at);
            if (n != null) {
                return n;
            }
            at = origins.get(at);
        }
        return null;
    }

    /** Walks every unit's DIEs, noting names, origins and inlined copies with their enclosing subprogram. */
    private void units() {
        long at = 0;
        while (at + 11 <= info.limit()) {
            long unit = at;
            long length = info.getInt((int) at) & 0xffffffffL;
            int offsetSize = 4;
            int p = (int) at + 4;
            if (length == 0xffffffffL) {
                length = info.getLong(p);
                offsetSize = 8;
                p += 8;
            }
            long end = p + length;
            if (length < 7 || end > info.limit()) {
                throw new IllegalArgumentException("unit past the section's end");
            }
            int version = info.getShort(p) & 0xffff;
            p += 2;
            long abbrevOffset;
            int addressSize;
            if (version == 5) {
                int type = info.get(p++) & 0xff;
                addressSize = info.get(p++) & 0xff;
                abbrevOffset = offset(p, offsetSize);
                p += offsetSize;
                if (type == 2 || type == 6) { // type units: no functions
                    at = end;
                    continue;
                }
                p += type == 4 || type == 5 ? 8 : 0; // skeleton and split units carry a dwo id
            } else if (version >= 2 && version <= 4) {
                abbrevOffset = offset(p, offsetSize);
                p += offsetSize;
                addressSize = info.get(p++) & 0xff;
            } else {
                throw new IllegalArgumentException("DWARF version " + version);
            }
            dies(new Cursor(info, p), end, unit, version, offsetSize, addressSize, table(abbrevOffset));
            at = end;
        }
    }

    private long offset(int at, int size) {
        return size == 8 ? info.getLong(at) : info.getInt(at) & 0xffffffffL;
    }

    private void dies(Cursor c, long end, long unit, int version, int offsetSize, int addressSize, Map<Long, Abbrev> table) {
        Deque<Long> subprograms = new ArrayDeque<>(); // the enclosing subprogram at each open level, -1 for none
        subprograms.push(-1L);
        while (c.pos() < end) {
            long die = c.pos();
            long code = c.uleb();
            if (code == 0) {
                if (subprograms.size() > 1) {
                    subprograms.pop();
                }
                continue;
            }
            Abbrev a = table.get(code);
            if (a == null) {
                throw new IllegalArgumentException("unknown abbreviation " + code);
            }
            for (int i = 0; i < a.attrs().length; i++) {
                attribute(c, die, a.attrs()[i], a.forms()[i], unit, version, offsetSize, addressSize);
            }
            if (a.tag() != TAG_SUBPROGRAM) { // only functions are named or looked up: keeps the maps small
                names.remove(die);
                if (a.tag() != TAG_INLINED) {
                    origins.remove(die);
                }
            }
            long enclosing = subprograms.peek();
            if (a.tag() == TAG_INLINED && enclosing >= 0 && origins.containsKey(die)) {
                inlined.add(new long[] {origins.get(die), enclosing});
            }
            if (a.children()) {
                subprograms.push(a.tag() == TAG_SUBPROGRAM ? die : enclosing);
            }
        }
    }

    /** Reads (or steps over) one attribute value; keeps names and references to origins. */
    private void attribute(Cursor c, long die, int attr, int form, long unit, int version, int offsetSize, int addressSize) {
        switch (form) {
            case 0x08 -> keepName(die, attr, c.cstring()); // string
            case 0x0e -> keepName(die, attr, at(str, c.fixed(offsetSize))); // strp
            case 0x1f -> keepName(die, attr, at(lineStr, c.fixed(offsetSize))); // line_strp
            case 0x11, 0x12, 0x13, 0x14 -> keepOrigin(die, attr, unit + c.fixed(1 << (form - 0x11))); // ref1..ref8
            case 0x15 -> keepOrigin(die, attr, unit + c.uleb()); // ref_udata
            case 0x10 -> keepOrigin(die, attr, c.fixed(version == 2 ? addressSize : offsetSize)); // ref_addr
            case 0x01 -> c.skip(addressSize);
            case 0x0b, 0x0c, 0x25, 0x29 -> c.skip(1);
            case 0x05, 0x26, 0x2a -> c.skip(2);
            case 0x27, 0x2b -> c.skip(3);
            case 0x06, 0x1c, 0x28, 0x2c -> c.skip(4);
            case 0x07, 0x20, 0x24 -> c.skip(8);
            case 0x1e -> c.skip(16);
            case 0x17, 0x1d, 0x1f20, 0x1f21 -> c.skip(offsetSize);
            case 0x0d, 0x0f, 0x1a, 0x1b, 0x22, 0x23, 0x1f01, 0x1f02 -> c.uleb();
            case 0x19, 0x21 -> { } // flag_present, implicit_const: nothing in the DIE
            case 0x0a -> c.skip(c.fixed(1));
            case 0x03 -> c.skip(c.fixed(2));
            case 0x04 -> c.skip(c.fixed(4));
            case 0x09, 0x18 -> c.skip(c.uleb());
            case 0x16 -> { // indirect: the form comes first, once (a file could chain them to exhaust the stack)
                int real = (int) c.uleb();
                if (real == 0x16) {
                    throw new IllegalArgumentException("indirect form chained");
                }
                attribute(c, die, attr, real, unit, version, offsetSize, addressSize);
            }
            default -> throw new IllegalArgumentException("unknown form " + form);
        }
    }

    private void keepName(long die, int attr, String name) {
        if (attr == AT_NAME && name != null) {
            names.put(die, name);
        }
    }

    private void keepOrigin(long die, int attr, long target) {
        if (attr == AT_ABSTRACT_ORIGIN || attr == AT_SPECIFICATION) {
            origins.put(die, target);
        }
    }

    private static String at(ByteBuffer strings, long offset) {
        return strings == null || offset >= strings.limit() ? null : new Cursor(strings, offset).cstring();
    }

    /** The abbreviation table at an offset of .debug_abbrev. */
    private Map<Long, Abbrev> table(long offset) {
        Map<Long, Abbrev> known = tables.get(offset);
        if (known != null) {
            return known;
        }
        Map<Long, Abbrev> table = new HashMap<>();
        tables.put(offset, table);
        Cursor c = new Cursor(abbrevs, offset);
        for (long code = c.uleb(); code != 0; code = c.uleb()) {
            int tag = (int) c.uleb();
            boolean children = c.fixed(1) != 0;
            List<long[]> specs = new ArrayList<>();
            for (long attr = c.uleb(), form = c.uleb(); attr != 0 || form != 0; attr = c.uleb(), form = c.uleb()) {
                if (form == 0x21) {
                    c.uleb(); // implicit_const's value, signed LEB128: stepped over like an unsigned one
                }
                specs.add(new long[] {attr, form});
            }
            table.put(code, new Abbrev(tag, children, specs.stream().mapToInt(s -> (int) s[0]).toArray(),
                    specs.stream().mapToInt(s -> (int) s[1]).toArray()));
        }
        return table;
    }

    /** A read position in a section; every read is bounds-checked by the buffer. */
    private static final class Cursor {
        private final ByteBuffer b;
        private int pos;

        Cursor(ByteBuffer b, long pos) {
            if (pos < 0 || pos > b.limit()) {
                throw new IndexOutOfBoundsException("offset " + pos + " outside its section");
            }
            this.b = b;
            this.pos = (int) pos;
        }

        long pos() {
            return pos;
        }

        long fixed(int size) {
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= (b.get(pos++) & 0xffL) << (8 * i);
            }
            return v;
        }

        void skip(long n) {
            if (n < 0 || n > b.limit() - pos) {
                throw new IndexOutOfBoundsException("skips past its section");
            }
            pos += (int) n;
        }

        long uleb() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = b.get(pos++);
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("LEB128 number too long");
        }

        String cstring() {
            int start = pos;
            while (b.get(pos) != 0) {
                pos++;
            }
            return new String(b.array(), start, pos++ - start, StandardCharsets.UTF_8);
        }
    }
}
