package tfix.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import groovy.lang.Binding;
import groovy.lang.Script;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.runtime.InvokerHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The script cache keeps at most {@link ScriptCache#KEPT} entries (scripts naming a pid differ every run). */
class ScriptCacheBoundTest {
    @Test
    void theOldestEntriesGoBeyondTheBound(@TempDir Path dir) throws Exception {
        ScriptCache cache = ScriptCache.at(dir.resolve("scripts"));
        CompilerConfiguration config = new CompilerConfiguration();
        for (int i = 0; i < ScriptCache.KEPT + 5; i++) {
            Class<? extends Script> c = cache.load("return " + i, "tfix_exec", config, getClass().getClassLoader());
            assertEquals(i, InvokerHelper.createScript(c, new Binding()).run());
        }
        assertEquals(ScriptCache.KEPT, cache.entries().size());
        // The newest is kept and read back: loading it again gives the same result and adds nothing.
        Class<? extends Script> again = cache.load("return " + (ScriptCache.KEPT + 4), "tfix_exec", config, getClass().getClassLoader());
        assertEquals(ScriptCache.KEPT + 4, InvokerHelper.createScript(again, new Binding()).run());
        assertEquals(ScriptCache.KEPT, cache.entries().size());
    }
}
