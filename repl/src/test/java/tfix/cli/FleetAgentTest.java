package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.Symbol;
import tfix.engine.testing.AgentTargets;
import tfix.engine.testing.RunningTarget;
import tfix.engine.testing.Targets;

/**
 * Issue 10's fleets through the agent: over --all, a process that carries libtfix-agent.so is reached through it
 * (no ptrace), the others through ptrace; each process's JSON names its route and the summary counts them.
 */
class FleetAgentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twentyAgentProcessesArePatchedAndRevertedThroughTheirAgentsByOneCommand(@TempDir Path dir) throws Exception {
        Path exe = copy(dir, "fleet_member.c");
        Path patch = patch(dir);
        List<RunningTarget> targets = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                targets.add(AgentTargets.start("value=40", exe, List.of()));
            }
            CliTest.Result run = CliTest.tfix("exec", "attach pid; replace 'compute' with 'compute_v2' from '" + patch + "'",
                    "--all", exe.toString(), "--json", "--via", "agent-first");
            assertEquals(0, run.exit(), run.err() + run.out());
            Map<Integer, JsonNode> byPid = processes(run.out());
            assertEquals(20, byPid.size(), run.out());
            for (RunningTarget t : targets) {
                JsonNode p = byPid.get(t.pid());
                assertEquals("agent", p.get("route").asText(), p.toString());
                assertEquals("patched", p.get("outcome").asText(), p.toString());
                t.awaitLine("value=1005");
            }
            JsonNode summary = summary(run.out());
            assertEquals(20, summary.get("routes").get("agent").asInt(), summary.toString());
            assertFalse(summary.get("routes").has("ptrace"), summary.toString());
            assertTrue(run.err().contains("20 patched") && run.err().contains("(20 via agent)"), run.err());

            // The record the agent route wrote is the process's one record: ptrace reads the same patch.
            RunningTarget first = targets.get(0);
            CliTest.Result seen = CliTest.tfix("exec", "attach " + first.pid() + ", via: 'ptrace'; status");
            assertEquals(0, seen.exit(), seen.err() + seen.out());
            assertTrue(seen.out().contains("via ptrace"), seen.out());
            assertTrue(seen.out().contains("compute") && seen.out().contains("compute_v2"), seen.out());

            CliTest.Result revert = CliTest.tfix("revert", "--all", exe.toString(), "compute", "--via", "agent-first");
            assertEquals(0, revert.exit(), revert.err() + revert.out());
            assertTrue(revert.out().contains("20 reverted") && revert.out().contains("(20 via agent)"), revert.out());
            for (RunningTarget t : targets) {
                t.awaitLine("value=40");
                assertTrue(t.alive());
                assertFalse(t.traced());
            }
        } finally {
            targets.forEach(RunningTarget::close);
        }
    }

    @Test
    void aMixIsReachedEachByItsOwnRouteAndAnAgentProcessWhoseCodeDiffersIsRefusedAlone(@TempDir Path dir) throws Exception {
        Path exe = copy(dir, "fleet_member.c");
        Path patch = patch(dir);
        Symbol compute = ElfImage.read(exe).symbols().stream().filter(s -> s.name().equals("compute")).findFirst().orElseThrow();
        List<RunningTarget> agents = new ArrayList<>(), plain = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                agents.add(AgentTargets.start("value=40", exe, List.of()));
                plain.add(RunningTarget.startPast("value=40", exe));
            }
            // Another tool changed compute's first instruction in one agent process (store 9, not 8): compute(5) = 45.
            RunningTarget changed = agents.get(1);
            try (RandomAccessFile mem = new RandomAccessFile("/proc/" + changed.pid() + "/mem", "rw")) {
                mem.seek(base(changed.pid(), exe) + compute.value() + 4);
                mem.write(9);
            }
            changed.awaitLine("value=45");

            CliTest.Result run = CliTest.tfix("exec", "attach pid; replace 'compute' with 'compute_v2' from '" + patch + "'",
                    "--all", exe.toString(), "--json", "--via", "agent-first");
            assertEquals(1, run.exit(), run.err() + run.out());
            Map<Integer, JsonNode> byPid = processes(run.out());
            for (RunningTarget t : agents) {
                assertEquals("agent", byPid.get(t.pid()).get("route").asText(), byPid.get(t.pid()).toString());
            }
            for (RunningTarget t : plain) {
                assertEquals("ptrace", byPid.get(t.pid()).get("route").asText(), byPid.get(t.pid()).toString());
                assertEquals("patched", byPid.get(t.pid()).get("outcome").asText());
                t.awaitLine("value=1005");
            }
            JsonNode refused = byPid.get(changed.pid());
            assertEquals("failed", refused.get("outcome").asText(), refused.toString());
            assertEquals("UNSAFE_SITE", refused.get("reason").asText(), refused.toString());
            assertTrue(refused.get("message").asText().contains("someone else changed them"), refused.toString());
            for (RunningTarget t : agents) {
                if (t != changed) {
                    assertEquals("patched", byPid.get(t.pid()).get("outcome").asText());
                    t.awaitLine("value=1005");
                }
            }
            assertEquals("value=45", changed.output().get(changed.output().size() - 1), "left as it was");
            JsonNode summary = summary(run.out());
            assertEquals(3, summary.get("routes").get("agent").asInt(), summary.toString());
            assertEquals(3, summary.get("routes").get("ptrace").asInt(), summary.toString());
            assertEquals(5, summary.get("patched").asInt(), summary.toString());
            assertEquals(1, summary.get("failed").asInt(), summary.toString());

            // Forced through ptrace, the agent processes are traced like any other (the refused one has no compute to
            // revert: a failure of revert's own, NOT_FOUND).
            CliTest.Result back = CliTest.tfix("revert", "--all", exe.toString(), "compute", "--via", "ptrace");
            assertEquals(1, back.exit(), back.err() + back.out());
            assertTrue(back.out().contains("5 reverted") && back.out().contains("1 failed (1 NOT_FOUND)")
                    && back.out().contains("(6 via ptrace)"), back.out());
            CliTest.Result bad = CliTest.tfix("revert", "--all", exe.toString(), "compute", "--via", "pigeon");
            assertEquals(2, bad.exit(), bad.err());
            assertEquals(1, bad.err().lines().count(), bad.err());
            assertTrue(bad.err().contains("--via pigeon is not a route: use agent-first, ptrace, agent or auto"), bad.err());
            for (RunningTarget t : plain) {
                t.awaitLine("value=40");
            }
        } finally {
            agents.forEach(RunningTarget::close);
            plain.forEach(RunningTarget::close);
        }
    }

    private static Path copy(Path dir, String source) throws Exception {
        Path exe = dir.resolve("member");
        Files.copy(Targets.exe(source), exe);
        return exe;
    }

    private static Path patch(Path dir) throws Exception {
        Path patch = dir.resolve("member_patch.so");
        Files.copy(Targets.patch("fleet_member_patch.c"), patch);
        return patch;
    }

    private static Map<Integer, JsonNode> processes(String out) throws Exception {
        Map<Integer, JsonNode> m = new HashMap<>();
        for (String line : out.lines().toList()) {
            JsonNode n = JSON.readTree(line);
            if (n.get("kind").asText().equals("process")) {
                m.put(n.get("pid").asInt(), n);
            }
        }
        return m;
    }

    private static JsonNode summary(String out) throws Exception {
        List<String> lines = out.lines().toList();
        JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
        assertEquals("summary", last.get("kind").asText(), out);
        return last;
    }

    /** Where the program's first mapping (file offset 0) starts in the process: its load bias (a PIE linked at 0). */
    private static long base(int pid, Path exe) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[5].equals(exe.toString()) && Long.parseLong(f[2], 16) == 0) {
                return Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
            }
        }
        throw new AssertionError("no mapping of " + exe + " in process " + pid);
    }
}
