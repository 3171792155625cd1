package tfix.engine.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSymbol;

/**
 * What a patch leaves to tfix: its undefined weak symbols (the loader binds them to 0 when the program does
 * not export them) with the relocations that use them, read from the patch file before it is loaded, and
 * the source files its {@code .tfix.refs} section picks for names defined in several files.
 *
 * @param references each weak reference with the slots tfix must fill, in .dynsym order
 * @param refused    "name (R_X86_64_...)" for each relocation tfix cannot fill
 * @param chosen     per name, the source file {@code .tfix.refs} names ("counter scores.c")
 * @param malformed  entries of {@code .tfix.refs} that are not "name file"
 */
public record PatchReferences(List<Reference> references, List<String> refused, Map<String, String> chosen,
                              List<String> malformed) {
    public static final int R_X86_64_64 = 1;
    public static final int R_X86_64_GLOB_DAT = 6;
    public static final int R_X86_64_JUMP_SLOT = 7;
    /** A thread-local variable's TLS module id, its offset in that module's block, its offset from the thread pointer. */
    public static final int R_X86_64_DTPMOD64 = 16, R_X86_64_DTPOFF64 = 17, R_X86_64_TPOFF64 = 18;
    /**
     * Weak references gcc's crt objects put into every shared object (profiling, transactional memory, C++
     * destructors, old frame registration): the crt code tests them for null, so the loader keeps them.
     */
    public static final Set<String> TOOLCHAIN = Set.of("__gmon_start__", "_ITM_deregisterTMCloneTable",
            "_ITM_registerTMCloneTable", "__cxa_finalize", "__deregister_frame_info", "__register_frame_info",
            "_Jv_RegisterClasses");
    private static final int SHT_PROGBITS = 1;
    private static final int SHT_RELA = 4;
    private static final int SHT_DYNSYM = 11;
    private static final int STB_WEAK = 2;
    /** Larger .tfix.refs sections are not lists of names: a patch names a handful. */
    private static final long MAX_REFS_SECTION = 64 * 1024;

    /** A weak reference to the program and where the patch's relocations want its address. */
    public record Reference(String name, List<Slot> slots) {
    }

    /** A place in the patch (link-time address) that must hold the symbol's address plus the addend. */
    public record Slot(long offset, int type, long addend) {
    }

    public static final PatchReferences NONE = new PatchReferences(List.of(), List.of(), Map.of(), List.of());

    public boolean isEmpty() {
        return references.isEmpty() && refused.isEmpty() && chosen.isEmpty() && malformed.isEmpty();
    }

    static PatchReferences read(ElfFile elf, FileWindows data) {
        int dynsym = -1;
        for (int i = 0; i < elf.e_shnum; i++) {
            if (elf.getSection(i).header.sh_type == SHT_DYNSYM) {
                dynsym = i;
            }
        }
        if (dynsym < 0) {
            return NONE;
        }
        ElfSymbol[] symbols = elf.getDynamicSymbolTableSection().symbols;
        Map<Integer, String> weak = new LinkedHashMap<>();
        for (int i = 1; i < symbols.length; i++) {
            ElfSymbol s = symbols[i];
            if (s.st_shndx == 0 && s.getBinding() == STB_WEAK) {
                String name = s.getName();
                if (name != null && !name.isEmpty() && !TOOLCHAIN.contains(name)) {
                    weak.put(i, name);
                }
            }
        }
        Map<String, List<Slot>> slots = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        for (ElfSection sec : elf.sectionsOfType(SHT_RELA)) {
            if (sec.header.sh_link != dynsym || !(sec instanceof ElfRelocationAddendSection rela)) {
                continue;
            }
            for (var r : rela.relocations) {
                String name = weak.get((int) (r.r_info >>> 32));
                int type = (int) r.r_info;
                if (name == null) {
                    continue;
                }
                if (type == R_X86_64_64 || type == R_X86_64_GLOB_DAT || type == R_X86_64_JUMP_SLOT || threadLocal(type)) {
                    slots.computeIfAbsent(name, k -> new ArrayList<>()).add(new Slot(r.r_offset, type, r.r_addend));
                } else {
                    refused.add(name + " (" + typeName(type) + ")");
                }
            }
        }
        List<Reference> refs = slots.entrySet().stream().map(e -> new Reference(e.getKey(), List.copyOf(e.getValue()))).toList();
        Map<String, String> chosen = new LinkedHashMap<>();
        List<String> malformed = new ArrayList<>();
        readChoices(elf, data, chosen, malformed);
        return new PatchReferences(refs, List.copyOf(refused), Map.copyOf(chosen), List.copyOf(malformed));
    }

    /** The strings of .tfix.refs, NUL-separated (alignment may add empty ones): "name file" each. */
    private static void readChoices(ElfFile elf, FileWindows data, Map<String, String> chosen, List<String> malformed) {
        ElfSection sec = elf.firstSectionByName(".tfix.refs");
        if (sec == null || sec.header.sh_type != SHT_PROGBITS || sec.header.sh_size <= 0 || sec.header.sh_size > MAX_REFS_SECTION) {
            return;
        }
        byte[] bytes = data.bytes(sec.header.sh_offset, (int) sec.header.sh_size);
        for (String entry : new String(bytes, StandardCharsets.UTF_8).split("\0")) {
            String[] parts = entry.trim().split("\\s+");
            if (entry.isBlank()) {
                continue;
            }
            if (parts.length == 2) {
                chosen.put(parts[0], parts[1]);
            } else {
                malformed.add(entry.trim());
            }
        }
    }

    /** A relocation that wants a thread-local variable's TLS coordinates rather than an address. */
    public static boolean threadLocal(int type) {
        return type == R_X86_64_DTPMOD64 || type == R_X86_64_DTPOFF64 || type == R_X86_64_TPOFF64;
    }

    /** The relocation's name as readelf prints it, for messages. */
    public static String typeName(int type) {
        return switch (type) {
            case 2 -> "R_X86_64_PC32";
            case 4 -> "R_X86_64_PLT32";
            case 5 -> "R_X86_64_COPY";
            case 8 -> "R_X86_64_RELATIVE";
            case 9 -> "R_X86_64_GOTPCREL";
            case 10 -> "R_X86_64_32";
            case 11 -> "R_X86_64_32S";
            case 16 -> "R_X86_64_DTPMOD64";
            case 17 -> "R_X86_64_DTPOFF64";
            case 18 -> "R_X86_64_TPOFF64";
            case 24 -> "R_X86_64_PC64";
            case 36 -> "R_X86_64_TLSDESC";
            default -> "relocation type " + type;
        };
    }
}
