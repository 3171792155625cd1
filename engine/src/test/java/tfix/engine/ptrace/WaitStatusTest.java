package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import tfix.engine.sys.Signals;

/** waitpid statuses built the way the kernel builds them, and every predicate tfix reads from them. */
class WaitStatusTest {
    static final int SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGTRAP = 5, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21,
            SIGTTOU = 22, SIGCHLD = 17, SIGRTMIN = 34, SIGRTMAX = 64;
    static final int EVENT_FORK = 1, EVENT_CLONE = 3, EVENT_EXEC = 4, EVENT_EXIT = 6, EVENT_STOP = 128;

    static int exited(int code) {
        return (code & 0xff) << 8;
    }

    static int killed(int sig, boolean core) {
        return sig | (core ? 0x80 : 0);
    }

    static int stopped(int sig) {
        return (sig << 8) | 0x7f;
    }

    static int eventStop(int sig, int event) {
        return ((sig | (event << 8)) << 8) | 0x7f;
    }

    static int syscallStop() {
        return ((SIGTRAP | 0x80) << 8) | 0x7f;
    }

    /** The names of the predicates that hold for {@code raw}. */
    static Set<String> holds(int raw) {
        WaitStatus w = new WaitStatus(4242, raw);
        Set<String> s = new TreeSet<>();
        if (w.exited()) {
            s.add("exited");
        }
        if (w.killed()) {
            s.add("killed");
        }
        if (w.gone()) {
            s.add("gone");
        }
        if (w.stopped()) {
            s.add("stopped");
        }
        if (w.syscallStop()) {
            s.add("syscallStop");
        }
        if (w.eventStop()) {
            s.add("eventStop");
        }
        if (w.groupStop()) {
            s.add("groupStop");
        }
        if (w.signalDelivery()) {
            s.add("signalDelivery");
        }
        return s;
    }

    static void assertHolds(int raw, String... expected) {
        assertEquals(new TreeSet<>(Set.of(expected)), holds(raw), () -> String.format("status %#x", raw));
    }

    static void assertStop(int raw, int signal, int event) {
        WaitStatus w = new WaitStatus(7, raw);
        assertEquals(signal, w.stopSignal(), () -> String.format("stop signal of %#x", raw));
        assertEquals(event, w.event(), () -> String.format("event of %#x", raw));
        assertEquals(7, w.tid());
        assertEquals(raw, w.raw());
    }

    @Test
    void exits() {
        for (int code : new int[] {0, 1, 2, 42, 127, 128, 255}) {
            assertHolds(exited(code), "exited", "gone");
            assertEquals("tid 4242 exited(" + code + ")", new WaitStatus(4242, exited(code)).toString());
        }
    }

    @Test
    void killedBySignal() {
        for (int sig : new int[] {1, SIGKILL, SIGUSR1, SIGSEGV, SIGSTOP, SIGRTMIN, SIGRTMAX}) {
            assertHolds(killed(sig, false), "killed", "gone");
            assertHolds(killed(sig, true), "killed", "gone");
            assertEquals("tid 4242 killed by signal " + sig, new WaitStatus(4242, killed(sig, true)).toString());
        }
    }

    @Test
    void signalDeliveryStops() {
        for (int sig : new int[] {SIGUSR1, SIGSEGV, SIGCHLD, SIGTRAP, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGRTMIN, SIGRTMAX}) {
            assertHolds(stopped(sig), "stopped", "signalDelivery");
            assertStop(stopped(sig), sig, 0);
        }
        assertEquals(0x0a7f, stopped(SIGUSR1));
        assertEquals("tid 4242 stopped sig=10 event=0", new WaitStatus(4242, stopped(SIGUSR1)).toString());
    }

    @Test
    void syscallStopWithTracesysgood() {
        assertEquals(0x857f, syscallStop());
        assertHolds(syscallStop(), "stopped", "syscallStop");
        assertStop(syscallStop(), SIGTRAP | 0x80, 0);
    }

    @Test
    void cloneAndOtherEventStops() {
        assertEquals(0x3057f, eventStop(SIGTRAP, EVENT_CLONE));
        for (int event : new int[] {EVENT_FORK, EVENT_CLONE, EVENT_EXEC, EVENT_EXIT}) {
            assertHolds(eventStop(SIGTRAP, event), "stopped");
            assertStop(eventStop(SIGTRAP, event), SIGTRAP, event);
        }
    }

    @Test
    void interruptStopIsAnEventStopButNoGroupStop() {
        int raw = eventStop(SIGTRAP, EVENT_STOP);
        assertEquals(0x80057f, raw);
        assertHolds(raw, "stopped", "eventStop");
        assertStop(raw, SIGTRAP, EVENT_STOP);
    }

    @Test
    void groupStops() {
        for (int sig : new int[] {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}) {
            int raw = eventStop(sig, EVENT_STOP);
            assertHolds(raw, "stopped", "eventStop", "groupStop");
            assertStop(raw, sig, EVENT_STOP);
        }
        assertEquals(0x80137f, eventStop(SIGSTOP, EVENT_STOP));
        // Only the stop signals make a group-stop.
        assertHolds(eventStop(SIGUSR1, EVENT_STOP), "stopped", "eventStop");
    }

    @Test
    void constantsAreTheKernels() {
        assertEquals(SIGTRAP, Signals.SIGTRAP);
        assertEquals(SIGSTOP, Signals.SIGSTOP);
        assertEquals(SIGTSTP, Signals.SIGTSTP);
        assertEquals(SIGTTIN, Signals.SIGTTIN);
        assertEquals(SIGTTOU, Signals.SIGTTOU);
        assertEquals(EVENT_CLONE, WaitStatus.EVENT_CLONE);
        assertEquals(EVENT_STOP, WaitStatus.EVENT_STOP);
    }
}
