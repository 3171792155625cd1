package tfix.engine.patch;

import java.nio.file.Path;

/**
 * One replacement as the user states it: the old function (optionally in a named
 * library), the new one, the patch library, and the patch's expected SHA-256 (or null).
 *
 * @param original      a function-pointer variable of the patch to set to a callable copy of the old
 *                      function before the jump goes live ({@code original: 'compute_orig'}), or null
 * @param importer      replace only the calls this module makes through its own import table
 *                      ({@code in: 'libgreet.so'}), or null for the function itself
 * @param clonesIgnored the user said the compiler's clones of the function may keep their calls
 *                      ({@code clones: 'ignore'})
 * @param fixEntry      the entry of the patch's own fix table it comes from ({@code apply 'fix.so'}), or 0
 * @param length        the old function's length in bytes when the symbol tables do not describe it and it is
 *                      named by address ({@code length: 48}), or 0
 */
public record ReplaceSpec(String oldName, String library, String newName, Path patchFile, String sha256,
                          String original, String importer, boolean clonesIgnored, int fixEntry, int length) {

    public ReplaceSpec(String oldName, String library, String newName, Path patchFile, String sha256, String original,
                       String importer, boolean clonesIgnored, int fixEntry) {
        this(oldName, library, newName, patchFile, sha256, original, importer, clonesIgnored, fixEntry, 0);
    }

    public ReplaceSpec(String oldName, String library, String newName, Path patchFile, String sha256) {
        this(oldName, library, newName, patchFile, sha256, null, null, false, 0);
    }

    public ReplaceSpec(String oldName, String library, String newName, Path patchFile, String sha256, String original,
                       String importer, boolean clonesIgnored) {
        this(oldName, library, newName, patchFile, sha256, original, importer, clonesIgnored, 0);
    }

    public static ReplaceSpec of(String oldName, String newName, Path patchFile) {
        return new ReplaceSpec(oldName, null, newName, patchFile, null);
    }

    public ReplaceSpec withOriginal(String variable) {
        return new ReplaceSpec(oldName, library, newName, patchFile, sha256, variable, importer, clonesIgnored, fixEntry, length);
    }

    public ReplaceSpec inModule(String module) {
        return new ReplaceSpec(oldName, library, newName, patchFile, sha256, original, module, clonesIgnored, fixEntry, length);
    }

    public ReplaceSpec ignoringClones() {
        return new ReplaceSpec(oldName, library, newName, patchFile, sha256, original, importer, true, fixEntry, length);
    }

    /** The same replacement, as entry {@code entry} of the patch's fix table, with the digest the user pinned. */
    public ReplaceSpec fromFixTable(int entry, String pinnedSha256) {
        return new ReplaceSpec(oldName, library, newName, patchFile, pinnedSha256, original, importer, clonesIgnored, entry, length);
    }

    /** The same replacement of code the symbol tables do not describe, {@code bytes} long ({@code length:}). */
    public ReplaceSpec withLength(int bytes) {
        return new ReplaceSpec(oldName, library, newName, patchFile, sha256, original, importer, clonesIgnored, fixEntry, bytes);
    }
}
