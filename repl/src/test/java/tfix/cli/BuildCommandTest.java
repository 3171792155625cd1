package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.RunningTarget;

/**
 * Issue 16, `tfix build`: a multi-file C program with a Makefile (src/test/resources/build/shop: four threads price,
 * ship and total in a loop, printing a line when a result changes) and diffs against it (build/diffs). Each built
 * patch is applied to the running program with its own runbook and reverted; each refusal is one line, exit 1.
 */
class BuildCommandTest {
    private static final String ORIGINAL = "quote=90 shipping=13 total=350";

    @TempDir
    Path dir;

    /** A file-static variable read and one written, a static helper called: all bound by tfix through weak references. */
    @Test
    void aStaticFunctionUsingFileStaticsAndAStaticHelperIsPatchedLiveAndReverted() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "static", dir.resolve("fix-static"), "--explain");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("discounted (pricing.c): replaced by discounted__tfix_"), r.out());
        assertTrue(r.out().contains("+    return round_down(base * (100 - discount_percent - 7) / 100);"), r.out());
        assertTrue(r.out().contains("quotes_made (static of pricing.c, bound by tfix)")
                && r.out().contains("round_down (static of pricing.c, bound by tfix)"), r.out());
        assertTrue(r.out().contains("the unpatched build is " + src.resolve("shop")), r.out());
        assertFalse(Files.exists(dir.resolve("fix-static/.work")), "the scratch trees are deleted");
        assertTrue(Files.readString(dir.resolve("fix-static/fix-static.tfix.groovy")).contains("expect buildId: '"));

        applyAndRevert(src.resolve("shop"), dir.resolve("fix-static/fix-static.tfix.groovy"), "quote=80 shipping=13 total=350");

        // Same inputs, same bytes: built again elsewhere under the same name.
        CliTest.Result again = build(src, "static", dir.resolve("again/fix-static"));
        assertEquals(0, again.exit(), again.err());
        assertEquals(-1L, Files.mismatch(dir.resolve("fix-static/fix-static.so"), dir.resolve("again/fix-static/fix-static.so")));
    }

    @Test
    void twoFunctionsInTwoFilesAreOneTransaction() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "twofiles", dir.resolve("fix-two"));
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("replaces discounted, shipping"), r.out());
        applyAndRevert(src.resolve("shop"), dir.resolve("fix-two/fix-two.tfix.groovy"), "quote=80 shipping=12 total=350");
    }

    @Test
    void aNewFunctionIsCarriedByThePatch() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "newfunction", dir.resolve("fix-new"), "--explain");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("loyalty_bonus (pricing.c): new"), r.out());
        // quote prints __LINE__, five lines further down now: that alone is no reason to patch it.
        assertTrue(r.out().contains("quote (pricing.c): left as it is (only __LINE__ numbers the diff moved differ)"), r.out());
        assertTrue(r.out().contains("replaces discounted\n"), r.out());
        applyAndRevert(src.resolve("shop"), dir.resolve("fix-new/fix-new.tfix.groovy"), "quote=85 shipping=13 total=350");
    }

    /** A static inline function of a header, inlined in two files: every function that inlined it is replaced. */
    @Test
    void aChangedInlineFunctionReplacesEveryFunctionThatInlinedIt() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "inline", dir.resolve("fix-inline"), "--explain", "--inlined-callers");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("replaces quote, shipping"), r.out());
        assertTrue(r.out().contains("shipping (shipping.c): replaced by shipping__tfix_")
                && r.out().contains("because of shop.h hunk #1"), r.out());
        applyAndRevert(src.resolve("shop"), dir.resolve("fix-inline/fix-inline.tfix.groovy"), "quote=90 shipping=10 total=350");
    }

    /** The executable's own thread-local variable (local-exec code, %fs:visits@tpoff) in new code: made initial-exec. */
    @Test
    void aThreadLocalVariableOfTheExecutableIsReachedByTheNewCode() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "threadlocal", dir.resolve("fix-tls"), "--explain");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("visits (static of shipping.c, bound by tfix)"), r.out());
        applyAndRevert(src.resolve("shop"), dir.resolve("fix-tls/fix-tls.tfix.groovy"), "quote=90 shipping=16 total=350");
    }

    /** Without --inlined-callers the functions a changed inline function is inlined in are listed, the build refused. */
    @Test
    void aChangedInlineFunctionIsRefusedListingItsCallersUnlessAllowed() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "inline", dir.resolve("fix-inline"));
        assertEquals(1, r.exit(), r.err() + r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("inlined in 2 functions of the binary") && r.err().contains("quote (pricing.c, inlines shop.h)")
                && r.err().contains("shipping (shipping.c, inlines shop.h)") && r.err().contains("--inlined-callers"), r.err());
        assertNoOutput(dir.resolve("fix-inline"));
    }

    /**
     * A shared library's function, whose new code uses a file static, a static helper, the library's thread-local
     * variable (each thread its own: 100 times its number), string constants, stderr, libc's IFUNC strcmp and the
     * library's own IFUNC tally_bonus.
     */
    @Test
    void aChangeInASharedLibraryIsPatchedInTheProcessThatMapsIt() throws Exception {
        Path lib = builtTree("lib", "lib");
        CliTest.Result r = CliTest.tfix("build", "--source", lib.toString(), "--diff", resource("diffs/library.diff").toString(),
                "--binary", lib.resolve("libtally.so").toString(), "--out", dir.resolve("fix-lib").toString(), "--explain");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("tallies (static of tally.c, bound by tfix)") && r.out().contains("stderr (bound by the loader)")
                && r.out().contains("thread_no (static of tally.c, bound by tfix)") && r.out().contains("strcmp (bound by the loader)")
                && r.out().contains("tally_bonus (the program's, bound by tfix)"), r.out());
        String runbook = Files.readString(dir.resolve("fix-lib/fix-lib.tfix.groovy"));
        assertTrue(runbook.contains("', lib: 'libtally.so'"), runbook);
        try (RunningTarget t = RunningTarget.start(lib.resolve("host"))) {
            awaitBoth(t, "t1 tally=12 bonus=0", "t2 tally=12 bonus=0");
            CliTest.Result run = CliTest.tfix("run", dir.resolve("fix-lib/fix-lib.tfix.groovy").toString(), "--pid",
                    Integer.toString(t.pid()));
            assertEquals(0, run.exit(), run.err() + run.out());
            awaitBoth(t, "t1 tally=1118 bonus=0", "t2 tally=1218 bonus=0"); // 6 * 3 + 100 * thread + tally_bonus(1000 when strcmp says "apples")
            CliTest.Result revert = CliTest.tfix("revert", "--pid", Integer.toString(t.pid()));
            assertEquals(0, revert.exit(), revert.err() + revert.out());
            awaitBoth(t, "t1 tally=12 bonus=0", "t2 tally=12 bonus=0");
            assertFalse(t.traced());
        }
    }

    /** Both threads' lines, in whichever order they print them. */
    private static void awaitBoth(RunningTarget t, String a, String b) {
        java.util.Set<String> left = new java.util.HashSet<>(java.util.List.of(a, b));
        while (!left.isEmpty()) {
            left.remove(t.awaitLine(left::contains, java.time.Duration.ofSeconds(30)));
        }
    }

    /** A C++ member function using a static member and a variable of an anonymous namespace. */
    @Test
    void aCppMemberFunctionIsPatched() throws Exception {
        Path src = builtTree("cpp", "cpp");
        CliTest.Result r = CliTest.tfix("build", "--source", src.toString(), "--diff", resource("diffs/cpp.diff").toString(),
                "--binary", src.resolve("meter").toString(), "--out", dir.resolve("fix-cpp").toString(), "--explain");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("_ZNK5Meter7readingEi (meter.cpp): replaced by _ZNK5Meter7readingEi__tfix_")
                && r.out().contains("_ZN12_GLOBAL__N_15scaleE (static of meter.cpp, bound by tfix)"), r.out());
        try (RunningTarget t = RunningTarget.start(src.resolve("meter"))) {
            t.awaitLine("reading=22");
            CliTest.Result run = CliTest.tfix("run", dir.resolve("fix-cpp/fix-cpp.tfix.groovy").toString(), "--pid",
                    Integer.toString(t.pid()));
            assertEquals(0, run.exit(), run.err() + run.out());
            assertTrue(run.out().contains("replaced Meter::reading(int) const with"), run.out());
            t.awaitLine("reading=23");
            CliTest.Result revert = CliTest.tfix("revert", "--pid", Integer.toString(t.pid()));
            assertEquals(0, revert.exit(), revert.err() + revert.out());
            t.awaitLine("reading=22");
            assertFalse(t.traced());
        }
    }

    /** A field added to a struct: item_total changes with no line of the diff in it, and main.c's items change size. */
    @Test
    void aChangedStructIsRefusedNamingWhatDependsOnIt() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "struct", dir.resolve("fix-struct"));
        assertEquals(1, r.exit(), r.err() + r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("item_total (shipping.c) changed though no line of the diff is in it")
                && r.err().contains("variable items (main.c)") && r.err().contains("Restart the program"), r.err());
        assertNoOutput(dir.resolve("fix-struct"));
    }

    @Test
    void aDiffThatDoesNotApplyIsRefusedNamingTheHunk() throws Exception {
        Path src = builtTree("src");
        CliTest.Result r = build(src, "notapplying", dir.resolve("fix-bad"));
        assertEquals(1, r.exit(), r.err() + r.out());
        assertTrue(r.err().contains("the diff does not apply to --source: pricing.c hunk #1 (@@ -17,7 +17,7 @@)"), r.err());
        assertNoOutput(dir.resolve("fix-bad"));
        assertEquals(Files.readString(resource("shop/pricing.c")), Files.readString(src.resolve("pricing.c")),
                "--source itself is never changed");
    }

    /** The diff applies to another version of the source, whose build is not the running binary. */
    @Test
    void aDiffAgainstAnotherVersionOfTheSourceIsRefusedNamingTheFunctionThatDiffers() throws Exception {
        Path src = builtTree("src");
        Path other = dir.resolve("other");
        copy(resource("shop"), other);
        Path pricing = other.resolve("pricing.c");
        Files.writeString(pricing, Files.readString(pricing).replace("cents - cents % 5", "cents - cents % 10"));
        CliTest.Result r = CliTest.tfix("build", "--source", other.toString(), "--diff", resource("diffs/static.diff").toString(),
                "--binary", src.resolve("shop").toString(), "--out", dir.resolve("fix-other").toString());
        assertEquals(1, r.exit(), r.err() + r.out());
        assertTrue(r.err().contains("--source does not build " + src.resolve("shop")) && r.err().contains("(round_down)"), r.err());
        assertNoOutput(dir.resolve("fix-other"));
    }

    @Test
    void anUnknownOptionIsAUsageError() throws Exception {
        CliTest.Result r = CliTest.tfix("build", "--source", ".", "--diff", "x", "--binary", "y", "--out", "z", "--bogus");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--bogus"), r.err());
    }

    private void applyAndRevert(Path exe, Path runbook, String patched) throws Exception {
        try (RunningTarget t = RunningTarget.start(exe)) {
            t.awaitLine(ORIGINAL);
            CliTest.Result run = CliTest.tfix("run", runbook.toString(), "--pid", Integer.toString(t.pid()));
            assertEquals(0, run.exit(), run.err() + run.out());
            assertTrue(run.out().contains("as expected") && run.out().contains("ok   "), run.out());
            t.awaitLine(patched);
            CliTest.Result revert = CliTest.tfix("revert", "--pid", Integer.toString(t.pid()));
            assertEquals(0, revert.exit(), revert.err() + revert.out());
            t.awaitLine(ORIGINAL);
            assertTrue(t.alive());
            assertFalse(t.traced());
        }
    }

    private CliTest.Result build(Path src, String diff, Path out, String... more) throws Exception {
        String[] args = Stream.concat(Stream.of("build", "--source", src.toString(), "--diff",
                resource("diffs/" + diff + ".diff").toString(), "--binary", src.resolve("shop").toString(), "--out",
                out.toString()), Stream.of(more)).toArray(String[]::new);
        return CliTest.tfix(args);
    }

    private static void assertNoOutput(Path out) throws IOException {
        assertFalse(Files.exists(out.resolve(".work")), "the scratch trees are deleted on a refusal too");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(0, s.count(), "a refused build writes nothing");
        }
    }

    /** A copy of the shop's sources built with make, as the running binary was. */
    private static Path builtTree(String name) throws Exception {
        return builtTree(name, "shop");
    }

    /**
     * Built once for the class (make takes seconds): tfix build never changes --source (a test checks it), and the
     * tests only run the binary, each in a process of its own.
     */
    @TempDir
    static Path trees;
    private static final java.util.Map<String, Path> BUILT = new java.util.HashMap<>();

    private static synchronized Path builtTree(String name, String resource) throws Exception {
        Path built = BUILT.get(name + "/" + resource);
        if (built == null) {
            built = make(trees.resolve(name), resource);
            BUILT.put(name + "/" + resource, built);
        }
        return built;
    }

    private static Path make(Path src, String resource) throws Exception {
        copy(resource(resource), src);
        Process p = new ProcessBuilder("make", "-s").directory(src.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        return src;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName().toString()));
            }
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(BuildCommandTest.class.getResource("/build/" + name).toURI());
    }
}
