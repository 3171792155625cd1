package tfix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The level a command takes from the host's load: none on a working host, enough on a saturated one. */
class FairNiceTest {
    @Test
    void aHostWithLessThanOneAndAHalfRunnableTasksPerCpuGetsNoRaise() {
        assertEquals(0, FairNice.level(0, 2));
        assertEquals(0, FairNice.level(2, 2), "a server and its load generator on 2 CPUs: tfix takes its fair share");
        assertEquals(0, FairNice.level(2.9, 2));
        assertEquals(0, FairNice.level(Double.NaN, 2));
    }

    @Test
    void aSaturatedHostGetsTwiceTheShareOfOneCompetitorPerCpu() {
        assertEquals(-5, FairNice.level(3, 2), "1.5 per CPU: weight 3072 wanted, nice -5 weighs 3121 (-4 only 2501)");
        assertEquals(-10, FairNice.level(8, 2), "4 per CPU: 8192 wanted, -10 weighs 9548");
        assertEquals(-16, FairNice.level(32, 2), "16 per CPU: 32768 wanted, -16 weighs 36291");
        assertEquals(-19, FairNice.level(64, 2), "the benchmark's 64 spinning threads: the most there is");
        assertEquals(-19, FairNice.level(10_000, 2));
        assertEquals(0, FairNice.level(3, 4), "the same tasks on more CPUs leave room");
    }
}
