package tfix.engine.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import tfix.engine.testing.Bounded;

/** The decoder on random bytes: instructions that tile the bytes from the start, never an exception or a hang. */
class X86DecoderFuzzTest {
    private static final X86Decoder DECODER = new X86Decoder();

    @AfterContainer
    static void close() {
        DECODER.close();
    }

    @Property(tries = 1000, seed = "15")
    void randomBytes(@ForAll @Size(max = 64) byte[] code, @ForAll @LongRange(min = 0, max = 0x7fff_ffff_ffffL) long address) {
        List<Instruction> got = Bounded.parse(() -> DECODER.decode(code, address), Duration.ofSeconds(5));
        if (got == null) {
            return;
        }
        long at = address;
        for (Instruction i : got) {
            assertEquals(at, i.address(), "instructions follow each other");
            assertTrue(i.size() >= 1 && i.size() <= 15, "size " + i.size());
            at += i.size();
        }
        assertTrue(at - address <= code.length, "decoded past the bytes given");
    }
}
