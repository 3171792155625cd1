package tfix.engine.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.fornwall.jelf.ElfDynamicSection;
import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/**
 * What the dynamic linker sees of an ELF file: its soname, the libraries it needs (DT_NEEDED) and where
 * it asks for them to be looked up, the symbols it needs from others (.dynsym undefined, with the version
 * each asks for) and those it offers (defined, global or weak, default or protected visibility). Every
 * offset comes from a file that may be malformed: anything out of bounds is left out, never trusted.
 *
 * @param runPaths DT_RUNPATH, or DT_RPATH when there is no DT_RUNPATH, split at ':' ($ORIGIN not expanded)
 * @param exports  per symbol name, the versions it is offered under
 */
public record DynamicLinkage(String soname, List<String> needed, List<String> runPaths, List<Need> needs,
                             Map<String, List<Export>> exports) {
    private static final int SHT_GNU_VERDEF = 0x6ffffffd;
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;
    private static final int SHT_GNU_VERSYM = 0x6fffffff;
    private static final int STB_GLOBAL = 1;
    private static final int STB_WEAK = 2;
    private static final int STB_GNU_UNIQUE = 10;

    /** A symbol the file needs; {@code version} and {@code versionFile} are null when it asks for none. */
    public record Need(String name, String version, String versionFile, boolean weak) {
        public String describe() {
            return version == null ? name : name + "@" + version + " (from " + versionFile + ")";
        }
    }

    /** A symbol offered under {@code version} (null: unversioned); {@code hidden}: not its default version. */
    public record Export(String version, boolean hidden) {
    }

    public static final DynamicLinkage NONE = new DynamicLinkage(null, List.of(), List.of(), List.of(), Map.of());

    /** Whether this file offers what {@code need} asks for, as ld.so matches versions. */
    public boolean satisfies(Need need) {
        for (Export e : exports.getOrDefault(need.name(), List.of())) {
            // A versioned need takes the named version (hidden or not) or an unversioned definition;
            // an unversioned need takes any definition but a hidden, non-default version.
            if (need.version() == null ? !e.hidden() : (e.version() == null || e.version().equals(need.version()))) {
                return true;
            }
        }
        return false;
    }

    static DynamicLinkage read(ElfFile elf, FileWindows data) {
        try {
            return new Reader(elf, data).read();
        } catch (RuntimeException e) {
            return NONE; // no dynamic section, or one too damaged to read: nothing to predict from
        }
    }

    private static final class Reader {
        private final ElfFile elf;
        private final FileWindows data;

        Reader(ElfFile elf, FileWindows data) {
            this.elf = elf;
            this.data = data;
        }

        /** Little-endian bytes of the mapped file; a field past its end is damage. */
        private long le(long at, int n) {
            if (at < 0 || at > data.size() - n) {
                throw new IllegalArgumentException("past the end of the file");
            }
            byte[] b = new byte[n];
            data.read(at, b, 0, n);
            return ByteBuffer.wrap(Arrays.copyOf(b, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }

        DynamicLinkage read() {
            ElfDynamicSection dyn = elf.getDynamicSection();
            ElfSymbolTableSection dynsym = elf.getDynamicSymbolTableSection();
            if (dyn == null || dynsym == null) {
                return NONE;
            }
            long dynstr = elf.getSection(dyn.header.sh_link).header.sh_offset;
            String soname = null;
            List<String> needed = new ArrayList<>();
            String rpath = null;
            String runpath = null;
            for (ElfDynamicSection.ElfDynamicStructure d : dyn.entries) {
                if (d.d_tag == ElfDynamicSection.DT_NEEDED) {
                    needed.add(string(dynstr, d.d_val_or_ptr));
                } else if (d.d_tag == ElfDynamicSection.DT_SONAME) {
                    soname = string(dynstr, d.d_val_or_ptr);
                } else if (d.d_tag == ElfDynamicSection.DT_RPATH) {
                    rpath = string(dynstr, d.d_val_or_ptr);
                } else if (d.d_tag == ElfDynamicSection.DT_RUNPATH) {
                    runpath = string(dynstr, d.d_val_or_ptr);
                }
            }
            String paths = runpath != null ? runpath : rpath;
            List<String> runPaths = paths == null ? List.of() : List.of(paths.split(":"));

            Map<Integer, String> defined = new HashMap<>();
            Map<Integer, String[]> wanted = new HashMap<>();
            ElfSection versym = null;
            for (int i = 0; i < elf.e_shnum; i++) {
                ElfSection s = elf.getSection(i);
                switch (s.header.sh_type) {
                    case SHT_GNU_VERDEF -> readVerdef(s, defined);
                    case SHT_GNU_VERNEED -> readVerneed(s, wanted);
                    case SHT_GNU_VERSYM -> versym = s;
                    default -> { }
                }
            }
            List<Need> needs = new ArrayList<>();
            Map<String, List<Export>> exports = new HashMap<>();
            ElfSymbol[] syms = dynsym.symbols;
            for (int i = 1; i < syms.length; i++) {
                ElfSymbol s = syms[i];
                String name = string(dynstr, s.st_name);
                int v = versym == null || 2L * i + 2 > versym.header.sh_size ? 1
                        : (int) le(versym.header.sh_offset + 2L * i, 2);
                int index = v & 0x7fff;
                int binding = s.getBinding();
                if (name.isEmpty()) {
                    continue;
                }
                if (s.st_shndx == 0) {
                    String[] w = wanted.get(index);
                    needs.add(new Need(name, w == null ? null : w[0], w == null ? null : w[1], binding == STB_WEAK));
                } else if ((binding == STB_GLOBAL || binding == STB_WEAK || binding == STB_GNU_UNIQUE)
                        && ((s.st_other & 3) == 0 || (s.st_other & 3) == 3) && index != 0) {
                    exports.computeIfAbsent(name, k -> new ArrayList<>(1))
                            .add(new Export(index == 1 ? null : defined.get(index), (v & 0x8000) != 0));
                }
            }
            return new DynamicLinkage(soname, List.copyOf(needed), runPaths, List.copyOf(needs), Map.copyOf(exports));
        }

        /** Elf64_Verdef (20 bytes) chained by vd_next, each naming itself in its first Elf64_Verdaux. */
        private void readVerdef(ElfSection s, Map<Integer, String> out) {
            long strtab = elf.getSection(s.header.sh_link).header.sh_offset;
            long at = s.header.sh_offset;
            for (int n = 0; n < s.header.sh_info && n < 4096; n++) {
                int ndx = (int) le(at + 4, 2);
                long aux = at + (le(at + 12, 4));
                out.put(ndx, string(strtab, le(aux, 4)));
                long next = le(at + 16, 4);
                if (next == 0) {
                    break;
                }
                at += next;
            }
        }

        /** Elf64_Verneed (16 bytes) per library, with its Elf64_Vernaux (16 bytes) per version asked for. */
        private void readVerneed(ElfSection s, Map<Integer, String[]> out) {
            long strtab = elf.getSection(s.header.sh_link).header.sh_offset;
            long at = s.header.sh_offset;
            for (int n = 0; n < s.header.sh_info && n < 4096; n++) {
                int count = (int) le(at + 2, 2);
                String file = string(strtab, le(at + 4, 4));
                long aux = at + (le(at + 8, 4));
                for (int k = 0; k < count && k < 4096; k++) {
                    int other = (int) le(aux + 6, 2);
                    out.put(other, new String[] {string(strtab, le(aux + 8, 4)), file});
                    long next = le(aux + 12, 4);
                    if (next == 0) {
                        break;
                    }
                    aux += next;
                }
                long next = le(at + 12, 4);
                if (next == 0) {
                    break;
                }
                at += next;
            }
        }

        private String string(long table, long offset) {
            long start = table + offset;
            if (start < 0 || start >= data.size()) {
                throw new IndexOutOfBoundsException("string at " + start + " past the end of the file");
            }
            byte[] b = new byte[(int) Math.min(4096, data.size() - start)];
            data.read(start, b, 0, b.length);
            int end = 0;
            while (end < b.length && b[end] != 0) {
                end++;
            }
            return new String(b, 0, end, StandardCharsets.UTF_8);
        }
    }
}
