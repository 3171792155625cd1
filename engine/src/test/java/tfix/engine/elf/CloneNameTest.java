package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CloneNameTest {
    @Test
    void everyCloneSuffixAndTheirCombinationsNameTheSource() {
        for (String n : new String[] {"f.constprop.0", "f.isra.0", "f.part.3", "f.lto_priv.0", "f.isra.0.constprop.0",
                "f.constprop.12.isra.1"}) {
            CloneName c = CloneName.parse(n).orElseThrow(() -> new AssertionError(n));
            assertEquals("f", c.source(), n);
            assertFalse(c.cold(), n);
            assertTrue(CloneName.isCloneOf(n, "f"), n);
        }
    }

    @Test
    void coldPartsAreNotCallTargets() {
        assertTrue(CloneName.parse("f.cold").orElseThrow().cold());
        assertTrue(CloneName.parse("f.constprop.0.cold").orElseThrow().cold());
        assertEquals("f", CloneName.parse("f.constprop.0.cold").orElseThrow().source());
    }

    @Test
    void ordinaryNamesAndOtherFunctionsAreNoClones() {
        assertTrue(CloneName.parse("compute").isEmpty());
        assertTrue(CloneName.parse(".constprop.0").isEmpty());
        assertTrue(CloneName.parse("f.constprop.x").isEmpty());
        assertFalse(CloneName.isCloneOf("fg.constprop.0", "f"));
        assertFalse(CloneName.isCloneOf("f.x.constprop.0", "f"));
        assertEquals("f.x", CloneName.parse("f.x.constprop.0").orElseThrow().source());
    }
}
