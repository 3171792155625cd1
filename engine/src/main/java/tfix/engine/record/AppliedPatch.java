package tfix.engine.record;

import java.util.HexFormat;
import java.util.List;

/**
 * A replacement as the target's own record keeps it: enough to verify and undo it from any later tfix run.
 *
 * @param kind what the site is (a jump, an import-table entry, a retargeted caller)
 * @param copy where a relocated, callable copy of the original's first instructions lies ({@code original:}),
 *             or 0; it stays after a revert, since a thread may still run in it
 * @param fixEntry the entry of the patch's fix table this site came from ({@code apply 'fix.so'}), or 0
 */
public record AppliedPatch(int id, int transaction, String function, String module, long entry, long site,
                           byte[] original, byte[] patch, String targetName, long target, String patchFile, long appliedAt,
                           long trampoline, SiteKind kind, long copy, int fixEntry) {

    private static final HexFormat HEX = HexFormat.of();

    /** A jump with no copy of the original, as records before site kinds held them. */
    public AppliedPatch(int id, int transaction, String function, String module, long entry, long site, byte[] original,
                        byte[] patch, String targetName, long target, String patchFile, long appliedAt, long trampoline) {
        this(id, transaction, function, module, entry, site, original, patch, targetName, target, patchFile, appliedAt,
                trampoline, SiteKind.JUMP, 0, 0);
    }

    /** A patch about to be written, before the record gives it an id. */
    public static AppliedPatch draft(String function, String module, long entry, long site, byte[] original, byte[] patch,
                                     String targetName, long target, String patchFile, long trampoline) {
        return new AppliedPatch(0, 0, function, module, entry, site, original, patch, targetName, target, patchFile,
                System.currentTimeMillis(), trampoline);
    }

    /** The same entry as another kind of site, with a copy of the original or 0. */
    public AppliedPatch as(SiteKind newKind, long newCopy) {
        return new AppliedPatch(id, transaction, function, module, entry, site, original, patch, targetName, target,
                patchFile, appliedAt, trampoline, newKind, newCopy, fixEntry);
    }

    /** The same site, noted as coming from entry {@code tableEntry} of its patch's fix table. */
    public AppliedPatch fromFixEntry(int tableEntry) {
        return new AppliedPatch(id, transaction, function, module, entry, site, original, patch, targetName, target,
                patchFile, appliedAt, trampoline, kind, copy, tableEntry);
    }

    AppliedPatch numbered(int newId, int newTransaction) {
        return new AppliedPatch(newId, newTransaction, function, module, entry, site, original, patch, targetName, target,
                patchFile, appliedAt, trampoline, kind, copy, fixEntry);
    }

    String encode() {
        return String.join("\t", List.of(Integer.toString(id), Integer.toString(transaction), RecordFields.escape(function),
                RecordFields.escape(module), Long.toHexString(entry), Long.toHexString(site), HEX.formatHex(original),
                HEX.formatHex(patch), RecordFields.escape(targetName), Long.toHexString(target),
                RecordFields.escape(patchFile), Long.toString(appliedAt), Long.toHexString(trampoline), kind.word(),
                Long.toHexString(copy), Integer.toString(fixEntry)));
    }

    /**
     * The patch in fields {@code from}.. of a record line, each checked (see {@link RecordFields}); the
     * trampoline field is absent in records written before trampolines, kind, copy and fix table entry in
     * records written before them (a jump, no copy, no entry), and later fields are ignored.
     */
    static AppliedPatch decode(String[] f, int from, int line) {
        if (f.length < from + 12) {
            throw RecordFields.damaged(line, "an apply event with " + (f.length - from) + " fields, not 12 or more");
        }
        return new AppliedPatch(RecordFields.positiveInt(f[from], line, "the patch id"),
                RecordFields.nonNegativeInt(f[from + 1], line, "the transaction id"),
                RecordFields.name(f[from + 2], line, "the function name"), RecordFields.name(f[from + 3], line, "the module"),
                RecordFields.userAddress(f[from + 4], line, "the entry"), RecordFields.userAddress(f[from + 5], line, "the site"),
                RecordFields.code(f[from + 6], line, "the original code"), RecordFields.code(f[from + 7], line, "the jump"),
                RecordFields.name(f[from + 8], line, "the replacement's name"),
                RecordFields.userAddress(f[from + 9], line, "the replacement's address"),
                RecordFields.name(f[from + 10], line, "the patch file"), RecordFields.time(f[from + 11], line),
                f.length > from + 12 ? RecordFields.userAddressOrZero(f[from + 12], line, "the trampoline") : 0,
                f.length > from + 13 ? SiteKind.parse(f[from + 13], line) : SiteKind.JUMP,
                f.length > from + 14 ? RecordFields.userAddressOrZero(f[from + 14], line, "the original's copy") : 0,
                f.length > from + 15 ? RecordFields.nonNegativeInt(f[from + 15], line, "the fix table entry") : 0);
    }

    static AppliedPatch decode(String[] f, int from) {
        return decode(f, from, 0);
    }

    /** The site as status shows it: the function, or "strtol (import of libgreet.so)" for one module's import slot. */
    public String label() {
        return kind == SiteKind.IMPORT ? function + " (import of " + module.substring(module.lastIndexOf('/') + 1) + ")"
                : function;
    }

    public String patchLibraryName() {
        int slash = patchFile.lastIndexOf('/');
        return slash >= 0 ? patchFile.substring(slash + 1) : patchFile;
    }
}
