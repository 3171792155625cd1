package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.testing.CTargets;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 10: one command over every process of a program or library (--all), host-wide status, and
 * JSON results validated against docs/tfix-result.schema.json; real processes, started and killed here.
 */
class FleetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(read(Path.of("..", "docs", "tfix-result.schema.json")));

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The test's own copy of the program: --all matches the file itself, so no other test's process is counted. */
    private static Path member(Path dir) throws Exception {
        Path exe = dir.resolve("member");
        Files.copy(Targets.exe("fleet_member.c"), exe);
        return exe;
    }

    private static Path patch(Path dir) throws Exception {
        Path patch = dir.resolve("member_patch.so");
        Files.copy(Targets.patch("fleet_member_patch.c"), patch);
        return patch;
    }

    /** Starts {@code n} processes, each past its first value line, into {@code into} (closed by the caller). */
    private static void start(List<RunningTarget> into, int n, String firstLine, Path exe, String... args) {
        for (int i = 0; i < n; i++) {
            into.add(RunningTarget.startPast(firstLine, exe, args));
        }
    }

    private static void closeAll(List<RunningTarget> targets) {
        targets.forEach(RunningTarget::close);
    }

    /** Every line of standard output parsed, each checked against the schema. */
    private static List<JsonNode> jsonLines(CliTest.Result r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            JsonNode node = JSON.readTree(line);
            List<Error> errors = SCHEMA.validate(node);
            assertTrue(errors.isEmpty(), "not tfix/1: " + errors + " in " + line);
            out.add(node);
        }
        return out;
    }

    private static Map<Integer, JsonNode> byPid(List<JsonNode> lines) {
        Map<Integer, JsonNode> m = new HashMap<>();
        lines.stream().filter(n -> n.get("kind").asText().equals("process")).forEach(n -> m.put(n.get("pid").asInt(), n));
        return m;
    }

    private static JsonNode summary(List<JsonNode> lines) {
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("summary", last.get("kind").asText());
        return last;
    }

    @Test
    void twoHundredProcessesOfOneProgramArePatchedAndRevertedByOneCommand(@TempDir Path dir) throws Exception {
        Path exe = member(dir);
        patch(dir);
        Path script = dir.resolve("fix.tfix.groovy");
        Files.writeString(script, "attach pid\nreplace 'compute' with 'compute_v2' from 'member_patch.so'\ndetach\n");
        List<RunningTarget> targets = new ArrayList<>();
        try {
            start(targets, 200, "value=40", exe);
            CliTest.Result run = CliTest.tfix("run", script.toString(), "--all", exe.toString());
            assertEquals(0, run.exit(), run.err() + run.out().lines().skip(Math.max(0, run.out().lines().count() - 5)).toList());
            assertTrue(run.out().contains("tfix run: 200 processes: 200 patched, 0 already patched, 0 skipped, 0 failed, 0 gone"),
                    run.out().lines().filter(l -> l.startsWith("tfix run:")).toList().toString());
            for (RunningTarget t : targets) {
                assertTrue(run.out().contains("[" + t.pid() + "] replaced compute with compute_v2"), "pid " + t.pid());
                t.awaitLine("value=1005");
                assertFalse(t.traced());
            }
            // Each process's text is printed whole: its lines come together, never split by another's.
            List<String> lines = run.out().lines().filter(l -> l.startsWith("[")).toList();
            for (int i = 1; i < lines.size(); i++) {
                String pid = lines.get(i).substring(0, lines.get(i).indexOf(']'));
                if (!lines.get(i - 1).startsWith(pid + "]")) {
                    assertFalse(lines.subList(0, i - 1).stream().anyMatch(l -> l.startsWith(pid + "]")), "interleaved: " + pid);
                }
            }

            CliTest.Result revert = CliTest.tfix("revert", "--all", exe.toString(), "--parallel", "2");
            assertEquals(0, revert.exit(), revert.err());
            assertTrue(revert.out().contains("tfix revert: 200 processes: 200 reverted, 0 had nothing to revert"), revert.out());
            for (RunningTarget t : targets) {
                t.awaitLine("value=40");
                assertTrue(t.alive());
            }
        } finally {
            closeAll(targets);
        }
    }

    @Test
    void fiftyProcessesOfOneLibraryArePatchedWithResultsAsJson(@TempDir Path dir) throws Exception {
        Path lib = dir.resolve("libshared.so");
        Files.copy(Targets.patch("libshared.c"), lib);
        Path exe = CTargets.compile("libuser.c", CTargets.resource("libuser.c"), "-O1", lib.toString(), "-Wl,-rpath," + dir);
        Path patch = Targets.patch("libshared_patch.c");
        List<RunningTarget> targets = new ArrayList<>();
        try {
            start(targets, 50, "lib_compute=21", exe);
            CliTest.Result run = CliTest.tfix("exec", "attach pid; replace 'lib_compute' with 'lib_compute_v2' from '" + patch + "'",
                    "--all", lib.toString(), "--json");
            assertEquals(0, run.exit(), run.err());
            List<JsonNode> lines = jsonLines(run);
            assertEquals(51, lines.size(), run.out());
            Map<Integer, JsonNode> results = byPid(lines);
            for (RunningTarget t : targets) {
                JsonNode r = results.get(t.pid());
                assertEquals("patched", r.get("outcome").asText(), r.toString());
                assertEquals(exe.toString(), r.get("program").asText());
                JsonNode site = r.get("sites").get(0);
                assertEquals("lib_compute", site.get("function").asText());
                assertEquals(lib.toString(), site.get("module").asText());
                assertEquals("jump", site.get("kind").asText());
                assertTrue(r.get("freezeMillis").asDouble() > 0);
                t.awaitLine("lib_compute=3000");
            }
            JsonNode sum = summary(lines);
            assertEquals(50, sum.get("processes").asInt());
            assertEquals(50, sum.get("patched").asInt());
            assertTrue(run.err().contains("tfix exec: 50 processes: 50 patched"), "the text goes to standard error: " + run.err());

            CliTest.Result verify = CliTest.tfix("verify", "--all", lib.toString(), "--json");
            assertEquals(0, verify.exit(), verify.err());
            List<JsonNode> verified = jsonLines(verify);
            assertEquals(50, summary(verified).get("verified").asInt());
            assertTrue(byPid(verified).values().stream().allMatch(n -> n.get("sites").get(0).get("inPlace").asBoolean()));

            CliTest.Result revert = CliTest.tfix("revert", "--all", lib.toString(), "--json");
            assertEquals(0, revert.exit(), revert.err());
            assertEquals(50, summary(jsonLines(revert)).get("reverted").asInt());
            for (RunningTarget t : targets) {
                t.awaitLine("lib_compute=21");
            }
        } finally {
            closeAll(targets);
        }
    }

    @Test
    void aMixOfAlreadyPatchedGoneAndTracedProcessesIsToldApart(@TempDir Path dir) throws Exception {
        Path exe = member(dir);
        Path patch = patch(dir);
        String replace = "attach pid; replace 'compute' with 'compute_v2' from '" + patch + "'";
        Path tracerExe = Targets.exe("seize_tracer.c");
        List<RunningTarget> plain = new ArrayList<>();
        List<RunningTarget> others = new ArrayList<>();
        try {
            start(plain, 6, "value=40", exe);
            RunningTarget leaving = RunningTarget.startPast("value=40", exe, "exit-when-traced");
            others.add(leaving);
            RunningTarget held = RunningTarget.startPast("value=40", exe);
            others.add(held);
            RunningTarget revertedBefore = RunningTarget.startPast("value=40", exe);
            others.add(revertedBefore);

            // Two patched beforehand, one by one (--pid with --json: one object, no summary).
            for (RunningTarget t : plain.subList(0, 2)) {
                CliTest.Result one = CliTest.tfix("exec", replace, "--pid", Integer.toString(t.pid()), "--json");
                assertEquals(0, one.exit(), one.err());
                List<JsonNode> lines = jsonLines(one);
                assertEquals(1, lines.size(), one.out());
                assertEquals("patched", lines.get(0).get("outcome").asText());
                assertTrue(one.err().contains("replaced compute with compute_v2"), one.err());
            }
            // One patched and reverted: it keeps a record, with nothing in force, and is patched like the others.
            assertEquals(0, CliTest.tfix("exec", replace + "; revert()", "--pid", Integer.toString(revertedBefore.pid())).exit());
            RunningTarget tracer = RunningTarget.startPast("seized " + held.pid(), tracerExe, Integer.toString(held.pid()));
            others.add(tracer);

            CliTest.Result run = CliTest.tfix("exec", replace, "--all", exe.toString(), "--json");
            assertEquals(3, run.exit(), "none failed, one skipped: " + run.err());
            List<JsonNode> lines = jsonLines(run);
            Map<Integer, JsonNode> results = byPid(lines);
            assertEquals(9, results.size(), run.out());
            assertEquals("already", results.get(plain.get(0).pid()).get("outcome").asText());
            assertEquals("already", results.get(plain.get(1).pid()).get("outcome").asText());
            for (RunningTarget t : plain.subList(2, 6)) {
                assertEquals("patched", results.get(t.pid()).get("outcome").asText());
            }
            assertEquals("patched", results.get(revertedBefore.pid()).get("outcome").asText());
            JsonNode gone = results.get(leaving.pid());
            assertEquals("gone", gone.get("outcome").asText(), gone.toString());
            assertEquals("PROCESS_GONE", gone.get("reason").asText());
            JsonNode skipped = results.get(held.pid());
            assertEquals("skipped", skipped.get("outcome").asText(), skipped.toString());
            assertEquals("ALREADY_TRACED", skipped.get("reason").asText());
            assertTrue(skipped.get("message").asText().contains("already traced by"), skipped.toString());
            JsonNode sum = summary(lines);
            assertEquals(List.of(5, 2, 1, 0, 1), List.of(sum.get("patched").asInt(), sum.get("already").asInt(),
                    sum.get("skipped").asInt(), sum.get("failed").asInt(), sum.get("gone").asInt()), sum.toString());
            assertTrue(run.err().contains("1 skipped (1 ALREADY_TRACED), 0 failed, 1 gone"), run.err());
            assertFalse(leaving.alive());
            // Reverted again: its record stays, with nothing in force.
            assertEquals(0, CliTest.tfix("revert", "--pid", Integer.toString(revertedBefore.pid())).exit());

            // Host-wide status finds exactly the patched ones among ours: not the reverted, traced or gone one.
            CliTest.Result status = CliTest.tfix("status", "--json");
            assertEquals(0, status.exit(), status.err());
            Set<Integer> ours = new TreeSet<>();
            plain.forEach(t -> ours.add(t.pid()));
            others.forEach(t -> ours.add(t.pid()));
            Map<Integer, JsonNode> listed = byPid(jsonLines(status));
            Set<Integer> found = listed.keySet().stream().filter(ours::contains).collect(Collectors.toCollection(TreeSet::new));
            Set<Integer> patched = new TreeSet<>();
            plain.forEach(t -> patched.add(t.pid()));
            assertEquals(patched, found);
            assertEquals("compute", listed.get(plain.get(0).pid()).get("sites").get(0).get("function").asText());
            CliTest.Result text = CliTest.tfix("status");
            assertTrue(text.out().contains("[" + plain.get(3).pid() + "] process " + plain.get(3).pid() + ": 1 patch in force"),
                    text.out());

            tracer.close();
            CliTest.Result revert = CliTest.tfix("revert", "--all", exe.toString());
            assertEquals(0, revert.exit(), revert.err() + revert.out());
            assertTrue(revert.out().contains("6 reverted, 2 had nothing to revert"), revert.out());
        } finally {
            closeAll(others);
            closeAll(plain);
        }
    }

    @Test
    void aProcessThatExitsBeforeItsTurnIsGoneNotFailed(@TempDir Path dir) throws Exception {
        Path exe = member(dir);
        Path patch = patch(dir);
        List<RunningTarget> targets = new ArrayList<>();
        try {
            RunningTarget first = RunningTarget.startPast("value=40", exe);
            targets.add(first);
            // Exits the moment tfix seizes the first: with one worker, in pid order, before its own turn comes.
            RunningTarget later = RunningTarget.startPast("value=40", exe, "exit-when-traced", Integer.toString(first.pid()));
            targets.add(later);
            assertTrue(later.pid() > first.pid(), "pids in start order (no wrap-around)");
            CliTest.Result run = CliTest.tfix("exec", "attach pid; replace 'compute' with 'compute_v2' from '" + patch + "'",
                    "--all", exe.toString(), "--parallel", "1", "--json");
            assertEquals(0, run.exit(), "gone counts as success: " + run.err());
            Map<Integer, JsonNode> results = byPid(jsonLines(run));
            assertEquals("patched", results.get(first.pid()).get("outcome").asText());
            JsonNode gone = results.get(later.pid());
            assertEquals("gone", gone.get("outcome").asText(), gone.toString());
            assertEquals("process " + later.pid() + " exited before its turn", gone.get("message").asText());
            assertTrue(run.err().contains("1 patched, 0 already patched, 0 skipped, 0 failed, 1 gone"), run.err());
        } finally {
            closeAll(targets);
        }
    }

    @Test
    void usageErrorsAndAPathThatMatchesNothingHaveTheirOwnExitCodes(@TempDir Path dir) throws Exception {
        Path exe = member(dir);
        CliTest.Result none = CliTest.tfix("status", "--all", exe.toString());
        assertEquals(4, none.exit(), none.err());
        assertTrue(none.out().contains("no process runs or maps " + exe), none.out());
        CliTest.Result noneJson = CliTest.tfix("revert", "--all", exe.toString(), "--json");
        assertEquals(4, noneJson.exit());
        assertEquals(0, summary(jsonLines(noneJson)).get("processes").asInt());

        CliTest.Result missing = CliTest.tfix("exec", "attach pid", "--all", dir.resolve("nothing").toString());
        assertEquals(2, missing.exit());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("no such file"), missing.err());

        CliTest.Result both = CliTest.tfix("verify", "--all", exe.toString(), "--pid", "1");
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("--all and --pid exclude each other"), both.err());

        CliTest.Result neither = CliTest.tfix("revert");
        assertEquals(2, neither.exit());
        assertTrue(neither.err().contains("revert needs a process: --pid PID for one, --all PATH"), neither.err());

        CliTest.Result parallel = CliTest.tfix("status", "--all", exe.toString(), "--parallel", "0");
        assertEquals(2, parallel.exit());
    }
}
