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
        return String.join("\t", List.of(Integer.toString(id), Integer.toString(transaction), esc(function), esc(module),
                Long.toHexString(entry), Long.toHexString(site), HEX.formatHex(original), HEX.formatHex(patch),
                esc(targetName), Long.toHexString(target), esc(patchFile), Long.toString(appliedAt),
                Long.toHexString(trampoline)));
    }

    static AppliedPatch decode(String[] f, int from) {
        return new AppliedPatch(Integer.parseInt(f[from]), Integer.parseInt(f[from + 1]), unesc(f[from + 2]), unesc(f[from + 3]),
                Long.parseUnsignedLong(f[from + 4], 16), Long.parseUnsignedLong(f[from + 5], 16), HEX.parseHex(f[from + 6]),
                HEX.parseHex(f[from + 7]), unesc(f[from + 8]), Long.parseUnsignedLong(f[from + 9], 16), unesc(f[from + 10]),
                Long.parseLong(f[from + 11]), f.length > from + 12 ? Long.parseUnsignedLong(f[from + 12], 16) : 0);
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    private static String unesc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public String patchLibraryName() {
        int slash = patchFile.lastIndexOf('/');
        return slash >= 0 ? patchFile.substring(slash + 1) : patchFile;
    }
}
