package tfix.engine.patch;

import java.nio.file.Path;

/**
 * One replacement as the user states it: the old function (optionally in a named
 * library), the new one, the patch library, and the patch's expected SHA-256 (or null).
 */
public record ReplaceSpec(String oldName, String library, String newName, Path patchFile, String sha256) {
    public static ReplaceSpec of(String oldName, String newName, Path patchFile) {
        return new ReplaceSpec(oldName, null, newName, patchFile, null);
    }
}
