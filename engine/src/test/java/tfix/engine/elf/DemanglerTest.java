package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The platform's demangler (libstdc++ __cxa_demangle) as tfix calls it; skipped where libstdc++ is missing. */
class DemanglerTest {
    static Demangler demangler;

    @BeforeAll
    static void load() {
        demangler = Demangler.load();
        assumeTrue(demangler.available(), "libstdc++.so.6 is not installed");
    }

    static String demangle(String mangled) {
        Optional<String> d = demangler.demangle(mangled);
        assertTrue(d.isPresent(), mangled + " should demangle");
        return d.get();
    }

    @Test
    void abiTagsAndQualifiers() {
        assertEquals("Role::getClassName[abi:cxx11]()", demangle("_ZN4Role12getClassNameB5cxx11Ev"));
        assertEquals("Role::getClassName()", Demangler.normalize(demangle("_ZN4Role12getClassNameB5cxx11Ev")));
        assertEquals("Role::getClassName() const", demangle("_ZNK4Role12getClassNameEv"));
        assertEquals("A::f() const &", demangle("_ZNKR1A1fEv"));
        assertEquals("A::f() &&", demangle("_ZNO1A1fEv"));
        assertEquals("A::f() const volatile", demangle("_ZNVK1A1fEv"));
    }

    @Test
    void functionsOperatorsAndTemplates() {
        assertEquals("ns::f(int)", demangle("_ZN2ns1fEi"));
        assertEquals("Foo::Foo(int)", demangle("_ZN3FooC2Ei"));
        assertEquals("Foo::~Foo()", demangle("_ZN3FooD2Ev"));
        assertEquals("Foo::f(char const*)", demangle("_ZN3Foo1fEPKc"));
        assertEquals("Foo::operator()(int)", demangle("_ZN3FooclEi"));
        assertEquals("Foo::operator<(Foo const&) const", demangle("_ZNK3FooltERKS_"));
        assertEquals("Box<int>::get() const", demangle("_ZNK3BoxIiE3getEv"));
        assertEquals("void f<int>(int)", demangle("_Z1fIiEvT_"));
        // "> >" or ">>" depending on the libstdc++ version.
        String pushBack = demangle("_ZNSt6vectorIiSaIiEE9push_backERKi");
        assertTrue(pushBack.startsWith("std::vector<int, std::allocator<int>") && pushBack.endsWith(">::push_back(int const&)"),
                pushBack);
    }

    @Test
    void demangledNamesFindTheirFunctionThroughMatching() {
        assertTrue(ProcessSymbols.sourceNameMatches(Demangler.normalize(demangle("_ZN4Role12getClassNameB5cxx11Ev")),
                Demangler.normalize("Role::getClassName()")));
        assertTrue(ProcessSymbols.sourceNameMatches(Demangler.normalize(demangle("_ZNK4Role12getClassNameEv")),
                Demangler.normalize("Role::getClassName()")));
        assertTrue(ProcessSymbols.sourceNameMatches(Demangler.normalize(demangle("_ZNK4Role12getClassNameEv")),
                Demangler.normalize("Role::getClassName")));
    }

    @Test
    void namesThatAreNotMangledAreLeftAlone() {
        for (String n : new String[] {"main", "score_for_kill", "", "Z1fv", "_zN1A1fEv", "_Zbogus", "_ZN4Role"}) {
            assertEquals(Optional.empty(), demangler.demangle(n), n);
            assertEquals(Optional.empty(), demangler.demangle(n), n + " (cached)");
        }
    }

    @Test
    void repeatedCallsAnswerTheSame() {
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.of("Role::getClassName() const"), demangler.demangle("_ZNK4Role12getClassNameEv"));
        }
    }
}
