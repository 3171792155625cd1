package tfix.engine.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** The fix table a patch carries, read as untrusted text. */
class FixTableTest {
    private static final Path PATCH = Path.of("/p/fix.so");

    @Test
    void entriesPaddingAndOptions() {
        FixTable t = FixTable.parse(PATCH, List.of("replace compute with compute_v2", "", "",
                "replace  bonus with bonus_v2 original bonus_orig lib libgame.so clones ignore",
                "replace strtol with strtol_v2 in libgreet.so", "expect buildId 0123456789abcdef lib libgame.so"));
        assertEquals(3, t.replacements().size());
        ReplaceSpec first = t.replacements().get(0).spec();
        assertEquals("compute", first.oldName());
        assertEquals("compute_v2", first.newName());
        assertEquals(PATCH, first.patchFile());
        assertNull(first.original());
        ReplaceSpec second = t.replacements().get(1).spec();
        assertEquals(2, t.replacements().get(1).number());
        assertEquals("bonus_orig", second.original());
        assertEquals("libgame.so", second.library());
        assertTrue(second.clonesIgnored());
        assertEquals("libgreet.so", t.replacements().get(2).spec().importer());
        assertEquals(new FixTable.Pin(4, "libgame.so", "0123456789abcdef"), t.pins().get(0));
        assertEquals(2, t.entryFor("bonus").orElseThrow().number());
    }

    @Test
    void whatIsNotUnderstoodIsRefusedNamingTheEntry() {
        for (String bad : List.of("replace compute by compute_v2", "replace compute with", "patch compute with x",
                "replace a with b original", "replace a with b colour red", "replace a with b lib x lib y",
                "replace a with b clones keep", "expect buildId xyz", "expect buildid 01234567")) {
            TfixException e = assertThrows(TfixException.class,
                    () -> FixTable.parse(PATCH, List.of("replace ok with ok_v2", bad)), bad);
            assertEquals(Reason.BAD_PATCH_FILE, e.reason(), bad);
            assertTrue(e.getMessage().contains("entry 2"), e.getMessage());
            assertTrue(e.getMessage().contains("nothing was done"), e.getMessage());
        }
    }

    @Test
    void noEntriesTooManyAndControlCharacters() {
        TfixException none = assertThrows(TfixException.class, () -> FixTable.parse(PATCH, List.of("", "")));
        assertTrue(none.getMessage().contains("carries no fix table"), none.getMessage());
        List<String> many = new ArrayList<>(Collections.nCopies(FixTable.MAX_ENTRIES + 1, "replace a with b"));
        assertTrue(assertThrows(TfixException.class, () -> FixTable.parse(PATCH, many)).getMessage().contains("more than"));
        TfixException ctl = assertThrows(TfixException.class, () -> FixTable.parse(PATCH, List.of("replace a\u001b[2J with")));
        assertTrue(!ctl.getMessage().contains("\u001b"), ctl.getMessage());
    }
}
