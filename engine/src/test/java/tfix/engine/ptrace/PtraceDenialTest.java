package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The line tfix prints when the kernel refuses to let it trace, from the facts of the host, tfix and the
 * target; the host's own setting is never touched (this machine has no Yama): the scope is injected.
 */
class PtraceDenialTest {
    private static PtraceDenial denial(int scope, int uid, boolean capable, int seccomp, int targetUid, boolean dumpable) {
        return new PtraceDenial(42, scope < 0 ? OptionalInt.empty() : OptionalInt.of(scope), uid, capable, seccomp,
                targetUid, dumpable);
    }

    @Test
    void yamaScopeThreeIsNamedAsDisablingPtraceForEveryoneUntilReboot() {
        String m = denial(3, 0, true, 0, 0, true).message();
        assertTrue(m.contains("ptrace is disabled on this host (kernel.yama.ptrace_scope=3)")
                && m.contains("not even by root") && m.contains("until the next boot"), m);
        assertEquals(m, denial(3, 1000, false, 2, 1000, false).message(), "scope 3 is the cause whatever else holds");
    }

    @Test
    void aTracerWithoutTheCapabilityHearsWhichRuleStopsIt() {
        assertTrue(denial(2, 1000, false, 0, 1000, true).message().contains("kernel.yama.ptrace_scope=2"));
        String other = denial(1, 1000, false, 0, 0, true).message();
        assertTrue(other.contains("it runs as uid 0 and tfix as uid 1000 without CAP_SYS_PTRACE"), other);
        String undumpable = denial(0, 1000, false, 0, 1000, false).message();
        assertTrue(undumpable.contains("prctl(PR_SET_DUMPABLE, 0)") && undumpable.contains("CAP_SYS_PTRACE"), undumpable);
        String ancestors = denial(1, 1000, false, 0, 1000, true).message();
        assertTrue(ancestors.contains("kernel.yama.ptrace_scope=1") && ancestors.contains("ptrace_scope=0"), ancestors);
        assertTrue(denial(-1, 1000, false, 0, 1000, true).message().startsWith("permission denied tracing process 42"));
    }

    @Test
    void aCapableTracerRefusedIsToldOfItsOwnSeccompFilterOrASecurityModule() {
        String seccomp = denial(1, 0, true, 2, 1000, true).message();
        assertTrue(seccomp.contains("seccomp filter") && seccomp.contains("seccomp=unconfined"), seccomp);
        String lsm = denial(1, 1000, true, 0, 0, true).message();
        assertTrue(lsm.contains("with CAP_SYS_PTRACE") && lsm.contains("security module"), lsm);
    }

    @Test
    void theScopeIsReadFromItsFileAndAbsentWithoutYama(@TempDir Path dir) throws Exception {
        Path scope = Files.writeString(dir.resolve("ptrace_scope"), "3\n");
        assertEquals(OptionalInt.of(3), PtraceDenial.yamaScope(scope));
        assertEquals(OptionalInt.empty(), PtraceDenial.yamaScope(dir.resolve("none")));
    }

    @Test
    void theFactsOfThisProcessAreRead() throws Exception {
        PtraceDenial d = PtraceDenial.read((int) ProcessHandle.current().pid());
        assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), d.tracerUid());
        assertEquals(d.tracerUid() == 0, d.tracerCapable() || d.tracerUid() == 0);
        assertEquals(d.tracerUid(), d.targetUid(), "tfix's own process runs as its own user");
        assertTrue(d.targetDumpable());
    }
}
