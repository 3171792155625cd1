package tfix.engine.ptrace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which interrupted system calls a thread re-issues when tfix resumes it, and the exact registers it gets. */
class SyscallRestartTest {
    static final long RIP = 0x7f12_3456_7892L;
    static final long EINTR = -4, ERESTARTSYS = -512, ERESTARTNOINTR = -513, ERESTARTNOHAND = -514,
            ERESTART_RESTARTBLOCK = -516, EAGAIN = -11;
    static final long READ = 0, POLL = 7, SELECT = 23, PAUSE = 34, NANOSLEEP = 35, WAIT4 = 61, SEMOP = 65, MSGSND = 69,
            MSGRCV = 70, RT_SIGTIMEDWAIT = 128, FUTEX = 202, IO_GETEVENTS = 208, RESTART_SYSCALL = 219, SEMTIMEDOP = 220,
            CLOCK_NANOSLEEP = 230, EPOLL_WAIT = 232, PPOLL = 271, EPOLL_PWAIT = 281, EPOLL_PWAIT2 = 441;
    static final long USER_POINTER = 0x7ffd_1234_5670L;

    /** Every slot distinct, so a changed register other than rip/rax/orig_rax shows. */
    static long[] base() {
        long[] v = new long[Registers.COUNT];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0x1111_0000L * (i + 1) + i;
        }
        v[Registers.RIP] = RIP;
        return v;
    }

    /** A thread stopped in call {@code nr} whose result so far is {@code rax}; args: {rdx, r10, r8}. */
    static Registers stoppedIn(long nr, long rax, long rdx, long r10, long r8) {
        long[] v = base();
        v[Registers.ORIG_RAX] = nr;
        v[Registers.RAX] = rax;
        v[Registers.RDX] = rdx;
        v[Registers.R10] = r10;
        v[Registers.R8] = r8;
        return new Registers(v);
    }

    static Registers stoppedIn(long nr, long rax) {
        return stoppedIn(nr, rax, USER_POINTER, USER_POINTER, USER_POINTER);
    }

    /** rip back over the 2-byte syscall, rax the call to make, orig_rax -1; nothing else touched. */
    static void assertReissues(Registers before, Optional<Registers> after, long call) {
        assertTrue(after.isPresent(), () -> "expected a re-issue of " + call + " from " + before);
        long[] expected = before.toArray();
        expected[Registers.RIP] = RIP - 2;
        expected[Registers.RAX] = call;
        expected[Registers.ORIG_RAX] = -1;
        assertArrayEquals(expected, after.get().toArray());
        assertEquals(RIP - 2, after.get().rip());
        assertEquals(call, after.get().rax());
        assertEquals(-1, after.get().origRax());
    }

    static void assertLeftAlone(Registers regs, boolean signalPending) {
        assertEquals(Optional.empty(), SyscallRestart.reissue(regs, signalPending), () -> regs + " pending=" + signalPending);
    }

    @ParameterizedTest
    @ValueSource(longs = {ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND})
    void restartCodesReissueTheSameCallWhateverItIs(long code) {
        for (long nr : new long[] {READ, POLL, NANOSLEEP, FUTEX, EPOLL_WAIT, WAIT4}) {
            for (boolean pending : new boolean[] {false, true}) {
                Registers r = stoppedIn(nr, code);
                assertReissues(r, SyscallRestart.reissue(r, pending), nr);
            }
        }
    }

    @Test
    void restartBlockReissuesRestartSyscall() {
        for (long nr : new long[] {NANOSLEEP, CLOCK_NANOSLEEP, FUTEX, POLL}) {
            for (boolean pending : new boolean[] {false, true}) {
                Registers r = stoppedIn(nr, ERESTART_RESTARTBLOCK);
                assertReissues(r, SyscallRestart.reissue(r, pending), RESTART_SYSCALL);
            }
        }
    }

    @Test
    void epollWaitForeverIsReissuedOnlyWithoutAPendingSignal() {
        Registers forever = stoppedIn(EPOLL_WAIT, EINTR, 16, -1, USER_POINTER);
        assertReissues(forever, SyscallRestart.reissue(forever, false), EPOLL_WAIT);
        assertLeftAlone(forever, true);
        // The timeout is an int: the upper half of r10 is not part of it.
        Registers zeroExtended = stoppedIn(EPOLL_WAIT, EINTR, 16, 0xffff_ffffL, USER_POINTER);
        assertReissues(zeroExtended, SyscallRestart.reissue(zeroExtended, false), EPOLL_WAIT);
        Registers junkAbove = stoppedIn(EPOLL_WAIT, EINTR, 16, 0x1234_5678_ffff_ffffL, USER_POINTER);
        assertReissues(junkAbove, SyscallRestart.reissue(junkAbove, false), EPOLL_WAIT);
    }

    @Test
    void epollWaitWithATimeoutKeepsItsEintr() {
        assertLeftAlone(stoppedIn(EPOLL_WAIT, EINTR, 16, 100, 0), false);
        assertLeftAlone(stoppedIn(EPOLL_WAIT, EINTR, 16, 0, 0), false);
        assertLeftAlone(stoppedIn(EPOLL_WAIT, EINTR, 16, 0xffff_ffff_0000_0064L, 0), false);
    }

    @Test
    void epollPwait() {
        Registers forever = stoppedIn(EPOLL_PWAIT, EINTR, 16, -1, USER_POINTER);
        assertReissues(forever, SyscallRestart.reissue(forever, false), EPOLL_PWAIT);
        assertLeftAlone(forever, true);
        assertLeftAlone(stoppedIn(EPOLL_PWAIT, EINTR, 16, 100, USER_POINTER), false);
    }

    @Test
    void epollPwait2TimeoutIsAPointer() {
        Registers noTimeout = stoppedIn(EPOLL_PWAIT2, EINTR, 16, 0, USER_POINTER);
        assertReissues(noTimeout, SyscallRestart.reissue(noTimeout, false), EPOLL_PWAIT2);
        assertLeftAlone(noTimeout, true);
        assertLeftAlone(stoppedIn(EPOLL_PWAIT2, EINTR, 16, USER_POINTER, 0), false);
        // -1 is a (bad) pointer here, not "forever".
        assertLeftAlone(stoppedIn(EPOLL_PWAIT2, EINTR, 16, -1, 0), false);
    }

    @Test
    void semtimedopAndIoGeteventsWithoutTimeout() {
        Registers sem = stoppedIn(SEMTIMEDOP, EINTR, 1, 0, USER_POINTER);
        assertReissues(sem, SyscallRestart.reissue(sem, false), SEMTIMEDOP);
        assertLeftAlone(stoppedIn(SEMTIMEDOP, EINTR, 1, USER_POINTER, 0), false);

        Registers io = stoppedIn(IO_GETEVENTS, EINTR, 8, USER_POINTER, 0);
        assertReissues(io, SyscallRestart.reissue(io, false), IO_GETEVENTS);
        assertLeftAlone(stoppedIn(IO_GETEVENTS, EINTR, 8, 0, USER_POINTER), false);
        assertLeftAlone(io, true);
    }

    @Test
    void rtSigtimedwaitLooksAtItsThirdArgument() {
        Registers noTimeout = stoppedIn(RT_SIGTIMEDWAIT, EINTR, 0, USER_POINTER, USER_POINTER);
        assertReissues(noTimeout, SyscallRestart.reissue(noTimeout, false), RT_SIGTIMEDWAIT);
        assertLeftAlone(noTimeout, true);
        assertLeftAlone(stoppedIn(RT_SIGTIMEDWAIT, EINTR, USER_POINTER, 0, 0), false);
    }

    @Test
    void callsWithoutATimeLimitAreReissuedOnEintr() {
        for (long nr : new long[] {READ, SEMOP, MSGSND, MSGRCV}) {
            Registers r = stoppedIn(nr, EINTR);
            assertReissues(r, SyscallRestart.reissue(r, false), nr);
            assertLeftAlone(r, true);
        }
    }

    @Test
    void sleepsAndOtherCallsKeepTheirEintr() {
        for (long nr : new long[] {NANOSLEEP, CLOCK_NANOSLEEP, PAUSE, POLL, PPOLL, SELECT, FUTEX, WAIT4, 1, 1000}) {
            // Whatever the argument registers hold, including the values that mean "forever" elsewhere.
            assertLeftAlone(stoppedIn(nr, EINTR, 0, 0, 0), false);
            assertLeftAlone(stoppedIn(nr, EINTR, -1, -1, -1), false);
            assertLeftAlone(stoppedIn(nr, EINTR), true);
        }
    }

    @Test
    void aThreadNotInASystemCallIsLeftAlone() {
        for (long rax : new long[] {ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK, EINTR, 0, 42}) {
            assertLeftAlone(stoppedIn(-1, rax, 0, -1, 0), false);
            assertLeftAlone(stoppedIn(-1, rax, 0, -1, 0), true);
        }
    }

    @Test
    void aCompletedOrFailedCallIsLeftAlone() {
        for (long rax : new long[] {0, 1, 4096, USER_POINTER, EAGAIN, -1, -515, -517}) {
            assertLeftAlone(stoppedIn(EPOLL_WAIT, rax, 16, -1, 0), false);
            assertLeftAlone(stoppedIn(READ, rax), false);
            assertLeftAlone(stoppedIn(NANOSLEEP, rax), false);
        }
    }

    @Test
    void theInputIsNotChanged() {
        Registers r = stoppedIn(READ, ERESTARTSYS);
        long[] before = r.toArray();
        SyscallRestart.reissue(r, false);
        assertArrayEquals(before, r.toArray());
    }

    @Test
    void waitsForeverByCall() {
        assertTrue(SyscallRestart.waitsForever(stoppedIn(EPOLL_WAIT, EINTR, 0, -1, 0)));
        assertFalse(SyscallRestart.waitsForever(stoppedIn(EPOLL_WAIT, EINTR, -1, 100, -1)));
        assertTrue(SyscallRestart.waitsForever(stoppedIn(EPOLL_PWAIT, EINTR, 0, -1, 0)));
        assertFalse(SyscallRestart.waitsForever(stoppedIn(EPOLL_PWAIT, EINTR, 0, 0, 0)));
        assertTrue(SyscallRestart.waitsForever(stoppedIn(EPOLL_PWAIT2, EINTR, -1, 0, -1)));
        assertFalse(SyscallRestart.waitsForever(stoppedIn(EPOLL_PWAIT2, EINTR, 0, USER_POINTER, 0)));
        assertTrue(SyscallRestart.waitsForever(stoppedIn(SEMTIMEDOP, EINTR, -1, 0, -1)));
        assertTrue(SyscallRestart.waitsForever(stoppedIn(RT_SIGTIMEDWAIT, EINTR, 0, -1, -1)));
        assertFalse(SyscallRestart.waitsForever(stoppedIn(RT_SIGTIMEDWAIT, EINTR, USER_POINTER, 0, 0)));
        assertTrue(SyscallRestart.waitsForever(stoppedIn(IO_GETEVENTS, EINTR, -1, -1, 0)));
        assertFalse(SyscallRestart.waitsForever(stoppedIn(IO_GETEVENTS, EINTR, 0, 0, USER_POINTER)));
        for (long nr : new long[] {READ, SEMOP, MSGSND, MSGRCV}) {
            assertTrue(SyscallRestart.waitsForever(stoppedIn(nr, EINTR)), "call " + nr);
        }
        for (long nr : new long[] {NANOSLEEP, CLOCK_NANOSLEEP, PAUSE, POLL, SELECT, FUTEX}) {
            assertFalse(SyscallRestart.waitsForever(stoppedIn(nr, EINTR, 0, 0, 0)), "call " + nr);
        }
    }

    @Test
    void anyNegativeEpollTimeoutWaitsForever() {
        Registers r = stoppedIn(EPOLL_WAIT, EINTR, 16, -2, 0);
        assertTrue(SyscallRestart.waitsForever(r));
        assertReissues(r, SyscallRestart.reissue(r, false), EPOLL_WAIT);
    }
}
