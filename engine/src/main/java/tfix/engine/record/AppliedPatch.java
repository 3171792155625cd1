package tfix.engine.record;

import java.util.HexFormat;
import java.util.List;

/** A replacement as the target's own record keeps it: enough to verify and undo it from any later tfix run. */
public record AppliedPatch(int id, int transaction, String function, String module, long entry, long site,
                           byte[] original, byte[] patch, String targetName, long target, String patchFile, long appliedAt,
                           long trampoline) {

    private static final HexFormat HEX = HexFormat.of();

    /** A patch about to be written, before the record gives it an id. */
    public static AppliedPatch draft(String function, String module, long entry, long site, byte[] original, byte[] patch,
                                     String targetName, long target, String patchFile, long trampoline) {
        return new AppliedPatch(0, 0, function, module, entry, site, original, patch, targetName, target, patchFile,
                System.currentTimeMillis(), trampoline);
    }

    AppliedPatch numbered(int newId, int newTransaction) {
        return new AppliedPatch(newId, newTransaction, function, module, entry, site, original, patch, targetName, target,
                patchFile, appliedAt, trampoline);
    }

    String encode() {
        return String.join("\t", List.of(Integer.toString(id), Integer.toString(transaction), RecordFields.escape(function),
                RecordFields.escape(module), Long.toHexString(entry), Long.toHexString(site), HEX.formatHex(original),
                HEX.formatHex(patch), RecordFields.escape(targetName), Long.toHexString(target),
                RecordFields.escape(patchFile), Long.toString(appliedAt), Long.toHexString(trampoline)));
    }

    /**
     * The patch in fields {@code from}.. of a record line, each checked (see {@link RecordFields}); the
     * trampoline field is absent in records written before trampolines, and later fields are ignored.
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
                f.length > from + 12 ? RecordFields.userAddressOrZero(f[from + 12], line, "the trampoline") : 0);
    }

    static AppliedPatch decode(String[] f, int from) {
        return decode(f, from, 0);
    }

    public String patchLibraryName() {
        int slash = patchFile.lastIndexOf('/');
        return slash >= 0 ? patchFile.substring(slash + 1) : patchFile;
    }
}
