package tfix.engine.elf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSegment;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * One ELF file: its type, loadable segments, function symbols and GNU build-id. The file is mapped, not read:
 * the heap holds only what is looked up (symbol tables, relocations, the bytes asked for), whatever its size.
 * jelf parses lazily through one cursor over the mapping, so every method that reaches it is synchronized.
 */
public final class ElfImage {
    private final Path file;
    private final boolean positionIndependent;
    private final List<Segment> segments;
    /** Parsed on first need (attach reads no symbol table), from the on-disk store when it has this file. */
    private List<Symbol> symbols;
    /** What stat said of the file when it was mapped; empty for bytes tfix made (they have no file to key a store by). */
    private final Optional<FileIdentity> identity;
    private final Optional<String> buildId;
    /** The file, mapped: later reads need no path that may be gone (map_files of an exited process). */
    private final FileWindows data;
    private final ElfFile elf;
    private long[] symbolStarts;
    private long[] relocationOffsets;
    private List<CodeRange> codeRanges;
    private DynamicLinkage linkage;
    private SymbolDefinitions definitions;
    private PatchReferences references;
    /** Its symbol look-up tables, one per set of debug files joined to it: shared by every process mapping it. */
    final List<SymbolIndex> indexes = new java.util.ArrayList<>(1);

    /** A PT_LOAD program header. */
    public record Segment(long vaddr, long memsz, long offset, long filesz, boolean executable) {
        public boolean containsVaddr(long v) {
            return v >= vaddr && v < vaddr + memsz;
        }
    }

    private ElfImage(Path file, boolean pie, List<Segment> segments, Optional<FileIdentity> identity, Optional<String> buildId,
                     FileWindows data, ElfFile elf) {
        this.data = data;
        this.elf = elf;
        this.file = file;
        this.positionIndependent = pie;
        this.segments = segments;
        this.identity = identity;
        this.buildId = buildId;
    }

    /** Reads an ELF file; a damaged one (jelf fails on it anywhere) is one IO failure, not a raw exception. */
    public static ElfImage read(Path file) {
        return read(file, null);
    }

    /** {@code inMemory}: the file's bytes when tfix made them (decompressed MiniDebugInfo), else null to map {@code file}. */
    static ElfImage read(Path file, byte[] inMemory) {
        try {
            return parse(file, inMemory);
        } catch (TfixException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TfixException(Reason.IO, "cannot read ELF file " + file + ": it is damaged (" + e.getMessage() + ")");
        }
    }

    private static ElfImage parse(Path file, byte[] inMemory) {
        ElfFile elf;
        FileWindows data;
        SectionTable sections;
        Optional<FileIdentity> identity = inMemory != null ? Optional.empty() : FileIdentity.of(file);
        try {
            data = inMemory != null ? FileWindows.of(file, inMemory) : FileWindows.map(file);
            sections = SectionTable.read(data);
            elf = ElfFile.from(data.cursor());
        } catch (IOException | RuntimeException e) {
            throw new TfixException(Reason.IO, "cannot read ELF file " + file + ": " + e.getMessage());
        }
        if (elf.e_machine != ElfFile.ARCH_X86_64 || elf.ei_class != ElfFile.CLASS_64) {
            throw new TfixException(Reason.UNSUPPORTED, file + " is not an x86-64 ELF file: tfix patches x86-64 processes only");
        }
        List<Segment> segs = new ArrayList<>();
        for (int i = 0; i < elf.e_phnum; i++) {
            ElfSegment ph = elf.getProgramHeader(i);
            if (ph.p_type == ElfSegment.PT_LOAD) {
                segs.add(new Segment(ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.isExecutable()));
            }
        }
        return new ElfImage(file, elf.e_type == ElfFile.ET_DYN, List.copyOf(segs), identity, sections.buildId(), data, elf);
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

    public synchronized List<Symbol> symbols() {
        if (symbols == null) {
            symbols = identity.isPresent() && buildId.isPresent()
                    ? ElfSymbolStore.standard().symbols(buildId.get(), identity.get(), () -> SymbolTables.functions(elf))
                    : SymbolTables.functions(elf);
        }
        return symbols;
    }

    /** Whether its function symbols were read yet: attach reads none, a look-up reads only the files it searches. */
    public synchronized boolean symbolsRead() {
        return symbols != null;
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
        long off = fileOffset(vaddr).orElseThrow(() -> new TfixException(Reason.NOT_FOUND,
                String.format("address %#x is not in a loadable segment of %s", vaddr, file)));
        if (length < 0 || off > data.size() - length) {
            throw new TfixException(Reason.IO, String.format("%s ends before %#x + %d", file, vaddr, length));
        }
        return data.bytes(off, length);
    }

    /** Start addresses of every symbol (functions, objects, any type but sections and files), sorted. */
    public synchronized long[] symbolStarts() {
        if (symbolStarts == null) {
            TreeSet<Long> starts = new TreeSet<>();
            for (ElfSymbolTableSection t : new ElfSymbolTableSection[] {SymbolTables.safe(elf::getSymbolTableSection), SymbolTables.safe(elf::getDynamicSymbolTableSection)}) {
                if (t == null) {
                    continue;
                }
                for (ElfSymbol s : t.symbols) {
                    int type = s.getType();
                    if (s.st_value != 0 && s.st_shndx != 0 && type != ElfSymbol.STT_SECTION && type != ElfSymbol.STT_FILE) {
                        starts.add(s.st_value);
                    }
                }
            }
            symbolStarts = starts.stream().mapToLong(Long::longValue).toArray();
        }
        return symbolStarts;
    }

    /** The first symbol start after {@code vaddr}, or Long.MAX_VALUE. */
    public long nextSymbolAfter(long vaddr) {
        long[] starts = symbolStarts();
        int i = Arrays.binarySearch(starts, vaddr + 1);
        i = i >= 0 ? i : -i - 1;
        return i < starts.length ? starts[i] : Long.MAX_VALUE;
    }

    /** Its soname, DT_NEEDED, run paths, and the dynamic symbols it needs and offers (read once). */
    public synchronized DynamicLinkage linkage() {
        if (linkage == null) {
            linkage = DynamicLinkage.read(elf, data);
        }
        return linkage;
    }

    /** The dynamic relocations naming {@code symbol} (where the loader writes its address). */
    public synchronized List<SymbolRelocations.Relocation> relocationsAgainst(String symbol) {
        return SymbolRelocations.read(elf, symbol, file);
    }

    /** Every defined symbol, data and locals included, with each local's source file (read once). */
    public synchronized SymbolDefinitions definitions() {
        return definitions != null ? definitions : (definitions = SymbolDefinitions.read(elf));
    }

    /** Read as a patch: the weak references to the program it leaves to tfix (read once). */
    public synchronized PatchReferences patchReferences() {
        return references != null ? references : (references = PatchReferences.read(elf, data));
    }

    /** The parsed file, for readers of this package that need more than the above. */
    ElfFile parsed() {
        return elf;
    }

    /** Link-time addresses that dynamic relocations write to, sorted. */
    public synchronized long[] relocationOffsets() {
        if (relocationOffsets == null) {
            relocationOffsets = RelocationOffsets.read(elf);
        }
        return relocationOffsets;
    }

    /** Runs {@code read} over the parsed file under its one cursor's lock (see the class comment). */
    synchronized <T> T withJelf(java.util.function.Function<ElfFile, T> read) {
        return read.apply(elf);
    }

    /** The NUL-terminated string a data symbol holds in the file, if the file has the symbol. */
    public synchronized Optional<String> stringSymbol(String name) {
        return StringSymbols.read(this, elf, name);
    }

    /** A stretch of code at a link-time address. */
    public record CodeRange(long vaddr, long offset, long size) {
    }

    /**
     * Where the file's instructions are: its executable sections (so read-only data sharing
     * an executable segment is not decoded as code), or its executable segments when the
     * section headers are gone or say nothing.
     */
    public synchronized List<CodeRange> codeRanges() {
        if (codeRanges == null) {
            List<CodeRange> ranges = new ArrayList<>();
            try {
                for (ElfSection sec : elf.sectionsOfType(1)) { // SHT_PROGBITS
                    var h = sec.header;
                    if ((h.sh_flags & 0x6) == 0x6 && inFile(h.sh_offset, h.sh_size)) { // ALLOC|EXECINSTR
                        ranges.add(new CodeRange(h.sh_addr, h.sh_offset, h.sh_size));
                    }
                }
            } catch (RuntimeException e) {
                ranges.clear(); // unreadable section headers: fall back to the segments
            }
            if (ranges.isEmpty()) {
                for (Segment s : segments) {
                    if (s.executable() && inFile(s.offset(), s.filesz())) {
                        ranges.add(new CodeRange(s.vaddr(), s.offset(), s.filesz()));
                    }
                }
            }
            codeRanges = List.copyOf(ranges);
        }
        return codeRanges;
    }

    /** A section's place in the file when it is whole and not compressed (SHF_COMPRESSED): debug information, for messages. */
    synchronized Optional<CodeRange> section(String name) {
        try {
            ElfSection s = elf.firstSectionByName(name);
            return s != null && (s.header.sh_flags & 0x800) == 0 && inFile(s.header.sh_offset, s.header.sh_size)
                    ? Optional.of(new CodeRange(s.header.sh_addr, s.header.sh_offset, s.header.sh_size)) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty(); // unreadable section headers: no debug information to read
        }
    }

    /** A non-empty stretch wholly inside the file (the numbers come from the file: they may lie). */
    private boolean inFile(long offset, long size) {
        return offset >= 0 && size > 0 && size <= data.size() - offset;
    }

    long fileSize() {
        return data.size();
    }

    /** Bytes at a file offset, zeros past the end of the file. */
    public byte[] fileBytes(long offset, int length) {
        byte[] b = new byte[length];
        if (offset >= 0 && offset < data.size()) {
            data.read(offset, b, 0, (int) Math.min(length, data.size() - offset));
        }
        return b;
    }
}
