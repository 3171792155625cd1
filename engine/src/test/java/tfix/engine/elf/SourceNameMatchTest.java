package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * C++ names as a user writes them against names as the demangler prints them: both go through
 * Demangler.normalize, then ProcessSymbols.sourceNameMatches, as name resolution does.
 */
class SourceNameMatchTest {
    static boolean matches(String demangled, String query) {
        return ProcessSymbols.sourceNameMatches(Demangler.normalize(demangled), Demangler.normalize(query));
    }

    static void assertMatches(String demangled, String query) {
        assertTrue(matches(demangled, query), () -> "'" + query + "' should name '" + demangled + "'");
    }

    static void assertNoMatch(String demangled, String query) {
        assertFalse(matches(demangled, query), () -> "'" + query + "' should not name '" + demangled + "'");
    }

    @Test
    void normalizeDropsAbiTags() {
        assertEquals("Role::getClassName()", Demangler.normalize("Role::getClassName[abi:cxx11]()"));
        assertEquals("f(int) const", Demangler.normalize("f[abi:cxx11][abi:v2](int) const"));
        assertEquals("ns::T::g()", Demangler.normalize("ns[abi:x]::T::g[abi:cxx11]()"));
    }

    @Test
    void normalizeSpacing() {
        assertEquals("Foo::bar(int,char) const", Demangler.normalize("  Foo::bar ( int,   char )\tconst\n"));
        assertEquals("Foo::bar(int,char)", Demangler.normalize("Foo::bar(int, char)"));
        assertEquals("std::vector<int,std::allocator<int> >::push_back(int const&)",
                Demangler.normalize("std::vector<int, std::allocator<int> >::push_back(int const&)"));
        assertEquals("f()", Demangler.normalize("f( )"));
        assertEquals("Role::getClassName() const", Demangler.normalize("Role::getClassName() const"));
    }

    @Test
    void exactNamesMatch() {
        assertMatches("Role::getClassName() const", "Role::getClassName() const");
        assertMatches("Role::getClassName[abi:cxx11]()", "Role::getClassName()");
        assertMatches("Foo::bar(int, char)", "Foo::bar(int,char)");
        assertNoMatch("Foo::bar(int)", "Foo::bar(long)");
        assertNoMatch("Foo::bar(int)", "Foo::bar()");
        assertNoMatch("Foo::bar()", "Foo::baz()");
    }

    @Test
    void qualifiersAfterTheParametersMayBeLeftOut() {
        for (String q : new String[] {"const", "volatile", "const volatile", "&", "&&", "const &", "const &&"}) {
            assertMatches("A::f() " + q, "A::f()");
            assertMatches("A::f(int) " + q, "A::f(int)");
        }
        // Not the other way round: naming the const one does not name the plain one.
        assertNoMatch("A::f()", "A::f() const");
        assertNoMatch("A::f() volatile", "A::f() const");
        // A qualifier-like word in a parameter is no qualifier.
        assertNoMatch("A::f(char const&)", "A::f(char)");
    }

    @Test
    void aNameWithoutParenthesesNamesEveryOverload() {
        String[] overloads = {"Foo::bar(int)", "Foo::bar(char const*)", "Foo::bar() const", "Foo::bar[abi:cxx11]()"};
        for (String o : overloads) {
            assertMatches(o, "Foo::bar");
        }
        assertMatches("Foo::Foo(int)", "Foo::Foo");
        assertMatches("Foo::~Foo()", "Foo::~Foo");
        assertMatches("ns::f(int)", "ns::f");
        assertMatches("compute(int, long)", "compute");
        // The whole qualified name, not a prefix or a suffix of it.
        assertNoMatch("Foo::barx(int)", "Foo::bar");
        assertNoMatch("Foo::bar::baz(int)", "Foo::bar");
        assertNoMatch("Outer::Foo::bar(int)", "Foo::bar");
        assertNoMatch("Foo::bar(int)", "bar");
        assertNoMatch("Foo::bar(int)", "Foo::");
        assertNoMatch("Foo::bar(int)", "");
    }

    @Test
    void classTemplates() {
        String pushBack = "std::vector<int, std::allocator<int> >::push_back(int const&)";
        assertMatches(pushBack, "std::vector<int, std::allocator<int> >::push_back");
        assertMatches(pushBack, "std::vector<int,std::allocator<int> >::push_back(int const&)");
        assertMatches("Box<int>::get() const", "Box<int>::get");
        assertMatches("Box<int>::get() const", "Box<int>::get()");
        assertNoMatch("Box<int>::get() const", "Box<long>::get");
        assertNoMatch("Box<int>::get() const", "Box::get");
    }

    @Test
    void operators() {
        assertMatches("Foo::operator<(Foo const&) const", "Foo::operator<");
        assertMatches("Foo::operator<(Foo const&) const", "Foo::operator<(Foo const&)");
        assertMatches("Foo::operator<(Foo const&) const", "Foo::operator<(Foo const&) const");
        assertNoMatch("Foo::operator<<(int)", "Foo::operator<");
        assertMatches("Foo::operator<<(int)", "Foo::operator<<");
        assertMatches("Foo::operator[](unsigned long)", "Foo::operator[]");
        assertMatches("Foo::operator int()", "Foo::operator int");
        assertMatches("Foo::operator()(int)", "Foo::operator()(int)");
        assertNoMatch("Foo::operator()(int)", "Foo::operator()(long)");
    }

    @Test
    void spacingAroundPunctuationIsIgnored() {
        assertMatches("Foo::bar(int, char)", "Foo::bar(int , char)");
        assertMatches("Foo::f(char const*)", "Foo::f(char const *)");
        assertMatches("Foo::g(Foo const&)", "Foo::g(Foo const &)");
        assertMatches("std::vector<int, std::allocator<int> >::push_back(int const&)",
                "std::vector<int, std::allocator<int>>::push_back");
    }

    @Test
    void functionTemplateInstancesByName() {
        assertMatches("void Foo::bar<int>(int)", "Foo::bar<int>");
        assertMatches("void Foo::bar<int>(int)", "Foo::bar<int>(int)");
        assertMatches("void f<int>(int)", "f<int>");
    }

    @Test
    void callOperatorByName() {
        assertMatches("Foo::operator()(int)", "Foo::operator()");
        assertMatches("Foo::operator()(int, int) const", "Foo::operator()");
    }
}
