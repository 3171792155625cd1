package tfix.engine.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import net.fornwall.jelf.ElfException;
import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfNoteSection;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSegment;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;
import tfix.engine.TfixException;

/** One ELF file: its type, loadable segments, function symbols and GNU build-id. */
public final class ElfImage {
    private final Path file;
    private final boolean positionIndependent;
    private final List<Segment> segments;
    private final List<Symbol> symbols;
    private final Optional<String> buildId;
    /** The whole file as read: later reads need no path that may be gone (map_files of an exited process). */
    private final byte[] contents;

    /** A PT_LOAD program header. */
    public record Segment(long vaddr, long memsz, long offset, long filesz, boolean executable) {
        public boolean containsVaddr(long v) {
            return v >= vaddr && v < vaddr + memsz;
        }
    }

    private ElfImage(Path file, boolean pie, List<Segment> segments, List<Symbol> symbols, Optional<String> buildId,
                     byte[] contents) {
        this.contents = contents;
        this.file = file;
        this.positionIndependent = pie;
        this.segments = segments;
        this.symbols = symbols;
        this.buildId = buildId;
    }

    public static ElfImage read(Path file) {
        ElfFile elf;
        byte[] contents;
        try {
            contents = Files.readAllBytes(file);
            elf = ElfFile.from(contents);
        } catch (IOException | RuntimeException e) {
            throw new TfixException("cannot read ELF file " + file + ": " + e.getMessage());
        }
        if (elf.e_machine != ElfFile.ARCH_X86_64 || elf.ei_class != ElfFile.CLASS_64) {
            throw new TfixException(file + " is not an x86-64 ELF file: tfix patches x86-64 processes only");
        }
        List<Segment> segs = new ArrayList<>();
        for (int i = 0; i < elf.e_phnum; i++) {
            ElfSegment ph = elf.getProgramHeader(i);
            if (ph.p_type == ElfSegment.PT_LOAD) {
                segs.add(new Segment(ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.isExecutable()));
            }
        }
        List<Symbol> syms = new ArrayList<>();
        addSymbols(syms, safe(elf::getSymbolTableSection), ".symtab");
        addSymbols(syms, safe(elf::getDynamicSymbolTableSection), ".dynsym");
        return new ElfImage(file, elf.e_type == ElfFile.ET_DYN, List.copyOf(segs), List.copyOf(syms), readBuildId(elf), contents);
    }

    private interface SectionGetter {
        ElfSymbolTableSection get();
    }

    private static ElfSymbolTableSection safe(SectionGetter g) {
        try {
            return g.get();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void addSymbols(List<Symbol> out, ElfSymbolTableSection table, String tableName) {
        if (table == null) {
            return;
        }
        for (ElfSymbol s : table.symbols) {
            int type = s.getType();
            if ((type != Symbol.STT_FUNC && type != Symbol.STT_GNU_IFUNC) || s.st_shndx == 0 || s.st_value == 0) {
                continue;
            }
            String name;
            try {
                name = s.getName();
            } catch (RuntimeException e) {
                continue;
            }
            if (name != null && !name.isEmpty()) {
                out.add(new Symbol(name, s.st_value, s.st_size, type, s.getBinding(), tableName));
            }
        }
    }

    private static Optional<String> readBuildId(ElfFile elf) {
        try {
            ElfSection sec = elf.firstSectionByName(".note.gnu.build-id");
            if (sec instanceof ElfNoteSection note && note.n_type == 3) {
                return Optional.of(HexFormat.of().formatHex(note.descriptorBytes()));
            }
        } catch (RuntimeException e) {
            // No build-id: pins against it will say so.
        }
        return Optional.empty();
    }

    public Path file() {
        return file;
    }

    public boolean positionIndependent() {
        return positionIndependent;
    }

    public List<Segment> segments() {
        return segments;
    }

    public List<Symbol> symbols() {
        return symbols;
    }

    public Optional<String> buildId() {
        return buildId;
    }

    /** File offset of a link-time address inside a loadable segment's file image. */
    public Optional<Long> fileOffset(long vaddr) {
        for (Segment s : segments) {
            if (vaddr >= s.vaddr() && vaddr < s.vaddr() + s.filesz()) {
                return Optional.of(s.offset() + (vaddr - s.vaddr()));
            }
        }
        return Optional.empty();
    }

    /** The bytes the file holds for a link-time address range: what an untouched process has there. */
    public byte[] bytesAt(long vaddr, int length) {
        long off = fileOffset(vaddr).orElseThrow(() -> new TfixException(
                String.format("address %#x is not in a loadable segment of %s", vaddr, file)));
        if (off + length > contents.length) {
            throw new TfixException(String.format("%s ends before %#x + %d", file, vaddr, length));
        }
        return java.util.Arrays.copyOfRange(contents, (int) off, (int) off + length);
    }

    /** Bytes at a file offset, zeros past the end of the file. */
    public byte[] fileBytes(long offset, int length) {
        byte[] b = new byte[length];
        if (offset < contents.length) {
            System.arraycopy(contents, (int) offset, b, 0, (int) Math.min(length, contents.length - offset));
        }
        return b;
    }
}
