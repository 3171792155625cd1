package tfix.engine.prepare;

import java.nio.file.Path;

import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.SectionStrings;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.guard.FileDigest;
import tfix.engine.guard.PatchFiles;
import tfix.engine.patch.FixTable;

/** Reads the fix table a patch carries and checks its build-id pins against the process. */
public final class FixTables {
    /** The section tfix.h's TFIX_FIX puts its entries in. */
    public static final String SECTION = ".tfix.fixes";

    private FixTables() {
    }

    public static FixTable read(Path patchFile, ElfCache cache, ProcessSymbols symbols) {
        Path patch = PatchFiles.canonical(patchFile);
        // The table is read from the file as it is now; every entry is pinned to these bytes, so a file rebuilt
        // before it is loaded is refused rather than applied under a table that does not describe it.
        String digest = FileDigest.sha256(patch);
        ElfImage image = cache.get(patch.toString(), patch, patch.toFile().lastModified()).orElseThrow(() ->
                new TfixException(Reason.BAD_PATCH_FILE, "cannot read patch file " + patch + " as an ELF shared object"));
        FixTable table;
        try {
            table = FixTable.parse(patch, SectionStrings.read(image, SECTION));
        } catch (IllegalArgumentException e) {
            throw new TfixException(Reason.BAD_PATCH_FILE, patch + ": " + e.getMessage() + "; nothing was done");
        }
        for (FixTable.Pin pin : table.pins()) {
            Pins.checkBuildId(symbols, pin.library(), pin.buildId(), "the fix table of " + patch.getFileName()
                    + " (entry " + pin.number() + ") was written for another build of it");
        }
        return new FixTable(table.replacements().stream().map(e -> new FixTable.Entry(e.number(), e.text(),
                e.spec().fromFixTable(e.number(), digest))).toList(), table.pins());
    }
}
