package tfix.engine.patch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The list of replacements a patch carries itself (the seeds' fix table), so that
 * {@code apply 'fix.so'} needs no script. Each entry is one NUL-terminated string in the
 * patch's {@code .tfix.fixes} section, written with tfix.h's {@code TFIX_FIX("...")}:
 * <pre>
 *   replace OLD with NEW [original VAR] [lib LIBRARY] [in MODULE] [clones ignore]
 *   expect buildId HEX [lib LIBRARY]
 * </pre>
 * Words are separated by blanks; names hold no blanks. The patch file is untrusted input:
 * anything else is refused naming the entry, before anything is loaded.
 *
 * @param replacements the replace entries, in the order the file lists them (entry numbers from 1)
 * @param pins         the build-id pins, checked before any replacement
 */
public record FixTable(List<Entry> replacements, List<Pin> pins) {
    /** Entries read at most: a real fix lists a handful; a hostile file could list millions. */
    public static final int MAX_ENTRIES = 256;
    /** Longest entry read: names are short; a longer string is not an entry. */
    static final int MAX_ENTRY_CHARS = 4096;

    /** One replacement and the entry number it had in the table. */
    public record Entry(int number, String text, ReplaceSpec spec) {
    }

    /** {@code expect buildId HEX [lib LIBRARY]}: library null for the executable. */
    public record Pin(int number, String library, String buildId) {
    }

    /** Reads the section's strings; empty strings (alignment padding between entries) are skipped. */
    public static FixTable parse(Path patch, List<String> strings) {
        List<Entry> replacements = new ArrayList<>();
        List<Pin> pins = new ArrayList<>();
        int number = 0;
        for (String s : strings) {
            String text = s.strip();
            if (text.isEmpty()) {
                continue;
            }
            number++;
            if (number > MAX_ENTRIES) {
                throw bad(patch, number, text, "more than " + MAX_ENTRIES + " entries");
            }
            if (text.length() > MAX_ENTRY_CHARS) {
                throw bad(patch, number, text.substring(0, 40) + "...", "an entry longer than " + MAX_ENTRY_CHARS + " characters");
            }
            String[] w = text.split("\\s+");
            switch (w[0]) {
                case "replace" -> replacements.add(new Entry(number, text, replace(patch, number, text, w)));
                case "expect" -> pins.add(expect(patch, number, text, w));
                default -> throw bad(patch, number, text, "it starts with '" + w[0] + "', not replace or expect");
            }
        }
        if (replacements.isEmpty()) {
            throw new TfixException(Reason.BAD_PATCH_FILE, patch + " carries no fix table (no replace entry in its .tfix.fixes"
                    + " section): list its replacements with TFIX_FIX(\"replace old with new\") from tfix.h, or write a"
                    + " script with replace ... from '" + patch.getFileName() + "'");
        }
        return new FixTable(List.copyOf(replacements), List.copyOf(pins));
    }

    private static ReplaceSpec replace(Path patch, int number, String text, String[] w) {
        if (w.length < 4 || !w[2].equals("with")) {
            throw bad(patch, number, text, "write it as: replace OLD with NEW [original VAR] [lib LIBRARY] [in MODULE] [clones ignore]");
        }
        ReplaceSpec spec = new ReplaceSpec(w[1], null, w[3], patch, null);
        String library = null;
        for (int i = 4; i < w.length; i += 2) {
            String value = i + 1 < w.length ? w[i + 1] : null;
            if (value == null) {
                throw bad(patch, number, text, "'" + w[i] + "' has no value");
            }
            switch (w[i]) {
                case "original" -> spec = spec.withOriginal(value);
                case "lib" -> library = value;
                case "in" -> spec = spec.inModule(value);
                case "clones" -> {
                    if (!value.equals("ignore")) {
                        throw bad(patch, number, text, "clones takes 'ignore', not '" + value + "'");
                    }
                    spec = spec.ignoringClones();
                }
                default -> throw bad(patch, number, text, "unknown word '" + w[i] + "' (it takes original, lib, in, clones)");
            }
            if (seenTwice(w, i)) {
                throw bad(patch, number, text, "'" + w[i] + "' is given twice");
            }
        }
        return new ReplaceSpec(spec.oldName(), library, spec.newName(), patch, null, spec.original(), spec.importer(),
                spec.clonesIgnored(), number);
    }

    private static boolean seenTwice(String[] w, int at) {
        for (int j = 4; j < at; j += 2) {
            if (w[j].equals(w[at])) {
                return true;
            }
        }
        return false;
    }

    private static Pin expect(Path patch, int number, String text, String[] w) {
        boolean shape = (w.length == 3 || (w.length == 5 && w[3].equals("lib"))) && w[1].equals("buildId");
        if (!shape || !w[2].matches("[0-9a-fA-F]{8,128}")) {
            throw bad(patch, number, text, "write it as: expect buildId HEX [lib LIBRARY]");
        }
        return new Pin(number, w.length == 5 ? w[4] : null, w[2].toLowerCase());
    }

    private static TfixException bad(Path patch, int number, String text, String why) {
        return new TfixException(Reason.BAD_PATCH_FILE, String.format("%s: fix table entry %d \"%s\" is not understood: %s;"
                + " nothing was done", patch, number, Printable.of(text.length() > 120 ? text.substring(0, 120) + "..." : text), why));
    }

    /** The entry a replacement of {@code oldName} came from, if any. */
    public Optional<Entry> entryFor(String oldName) {
        return replacements.stream().filter(e -> e.spec().oldName().equals(oldName)).findFirst();
    }
}
