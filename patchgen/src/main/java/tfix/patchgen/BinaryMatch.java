package tfix.patchgen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Proof that the unpatched build is the binary to patch: the same build-id, or else (a build in another folder
 * has other debug paths, hence another build-id) the same bytes for every function both define once by name.
 * A patch made from another source would carry code compiled against other layouts: refused, naming the
 * functions that differ.
 *
 * @param how what proved it, for the report
 */
record BinaryMatch(String how) {
    private static final int MAX_NAMED = 5;

    static BinaryMatch check(ElfImage binary, ElfImage built, List<String> toReplace) {
        Optional<String> id = binary.buildId();
        if (id.isPresent() && id.equals(built.buildId())) {
            return new BinaryMatch("build-id " + id.get() + " is the unpatched build's");
        }
        Map<String, Symbol> ours = unique(built);
        Map<String, Symbol> theirs = unique(binary);
        for (String f : toReplace) {
            if (!theirs.containsKey(f) && binary.symbols().stream().noneMatch(s -> s.isFunction() && s.plainName().equals(f))) {
                throw new TfixException(Reason.WRONG_BUILD, "the binary " + binary.file() + " has no function " + f
                        + " in its symbol table, which the diff changes: it is stripped (give the unstripped file or"
                        + " its debug file's path), or was not built from --source");
            }
        }
        List<String> differ = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, Symbol> e : ours.entrySet()) {
            Symbol b = theirs.get(e.getKey());
            if (b == null) {
                continue;
            }
            Symbol a = e.getValue();
            compared++;
            if (a.size() != b.size() || !Arrays.equals(built.bytesAt(a.value(), (int) a.size()),
                    binary.bytesAt(b.value(), (int) b.size()))) {
                differ.add(e.getKey());
            }
        }
        if (!differ.isEmpty()) {
            differ.sort((x, y) -> Boolean.compare(!toReplace.contains(x), !toReplace.contains(y)));
            throw new TfixException(Reason.WRONG_BUILD, "--source does not build " + binary.file() + ": " + differ.size()
                    + " of " + compared + " functions differ (" + String.join(", ", differ.subList(0, Math.min(MAX_NAMED,
                    differ.size()))) + (differ.size() > MAX_NAMED ? ", ..." : "") + "): give the exact source tree"
                    + " and build command of the running binary (same compiler and flags)");
        }
        if (compared == 0) {
            throw new TfixException(Reason.WRONG_BUILD, "no function of " + binary.file() + " could be compared with"
                    + " the build of --source (no symbol table?): give the unstripped binary");
        }
        return new BinaryMatch("the bytes of all " + compared + " functions defined in both are the same");
    }

    /** Functions defined once by name, with a size: those a name compares without doubt. */
    private static Map<String, Symbol> unique(ElfImage image) {
        Map<String, Symbol> out = new HashMap<>();
        Map<String, java.util.Set<Long>> at = new HashMap<>();
        for (Symbol s : image.symbols()) {
            if (s.isFunction() && s.size() > 0 && s.value() != 0) {
                at.computeIfAbsent(s.plainName(), k -> new java.util.HashSet<>()).add(s.value());
                out.put(s.plainName(), s);
            }
        }
        at.forEach((name, values) -> {
            if (values.size() > 1) {
                out.remove(name); // two statics of one name (.symtab and .dynsym list a global twice, at one address)
            }
        });
        return new java.util.TreeMap<>(out);
    }

    static ElfImage read(Path file) {
        return ElfImage.read(file);
    }
}
