package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import tfix.engine.elf.FunctionRef;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.EngineTest;

/** Issue 13, item 5: C++ names resolve in a real process as users write them. */
class CxxNamesTest extends EngineTest {
    @Test
    void templatesCallOperatorsAndSpacingResolve() throws Exception {
        var exe = CTargets.compile("cxx_names.cpp", CTargets.resource("cxx_names.cpp"), "-O0");
        live(exe, "running", (t, s) -> {
            assertEquals("int Foo::twice<int>(int)", name(s, "Foo::twice<int>"));
            assertEquals("int Foo::twice<int>(int)", name(s, "Foo::twice<int>(int)"));
            assertEquals("long triple<long>(long)", name(s, "triple<long>"));
            assertEquals("Foo::operator()(int) const", name(s, "Foo::operator()(int)"));
            assertEquals("Foo::operator()(int, int)", name(s, "Foo::operator() ( int , int )"));
            assertEquals("Foo::take(char const*, std::vector<int, std::allocator<int> >&)",
                    name(s, "Foo::take(const char *, std::vector<int, std::allocator<int>>&)".replace("const char", "char const")));
            TfixException both = assertThrows(TfixException.class, () -> name(s, "Foo::operator()"));
            assertEquals(Reason.AMBIGUOUS, both.reason());
            assertTrue(both.getMessage().contains("names 2 functions"), both.getMessage());
        }, t -> assertTrue(t.alive()));
    }

    private static String name(TfixSession s, String query) {
        FunctionRef f = s.symbols().resolve(query, null, List.of());
        return f.displayName();
    }
}
