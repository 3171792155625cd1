package tfix.engine.x86;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The exact bytes of a callable copy of a function's first instructions, made without a process. */
class InstructionRelocatorTest {
    static final long FROM = 0x401000L;
    static final long TO = 0x500000L;
    static X86Decoder decoder;
    static InstructionRelocator relocator;

    @BeforeAll
    static void open() {
        decoder = new X86Decoder();
        relocator = new InstructionRelocator(decoder);
    }

    @AfterAll
    static void close() {
        decoder.close();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] copy(String code, long from, long to) {
        Relocation r = relocator.relocate(hex(code), from, to);
        assertTrue(r.ok(), r.refusal());
        return r.code();
    }

    @Test
    void ripRelativeLoadKeepsItsOperandAndJumpsBack() {
        // mov eax, [rip + 0x1000] reads 0x402006; from 0x500000 that is -0xfe000 away. Back to 0x401006: e9 -0xff005.
        assertArrayEquals(hex("8b 05 00 20 f0 ff  e9 fb 0f f0 ff"), copy("8b 05 00 10 00 00", FROM, TO));
    }

    @Test
    void shortConditionalBranchIsWidened() {
        // test edi, edi; js 0x401014 -> test edi, edi; js rel32 0x401014; jmp 0x401004
        assertArrayEquals(hex("85 ff  0f 88 0c 10 f0 ff  e9 f7 0f f0 ff"), copy("85 ff 78 10", FROM, TO));
    }

    @Test
    void callRel32IsReAimed() {
        // call 0x401100 -> call rel32 0x401100 from the copy; jmp 0x401005
        assertArrayEquals(hex("e8 fb 10 f0 ff  e9 fb 0f f0 ff"), copy("e8 fb 00 00 00", FROM, TO));
    }

    @Test
    void branchInsideTheCopiedBytesGoesToTheCopy() {
        // xor eax, eax; je 0x401006; inc eax; dec eax: the je lands on the copied dec (2 bytes past its own 6).
        assertArrayEquals(hex("31 c0  0f 84 02 00 00 00  ff c0  ff c8  e9 f7 0f f0 ff"),
                copy("31 c0 74 02 ff c0 ff c8", FROM, TO));
    }

    @Test
    void loopInsideTheCopiedBytesKeepsItsShortForm() {
        // dec eax; loop 0x401000 (back to the dec): copied as is, only its distance counts.
        assertArrayEquals(hex("ff c8  e2 fc  e9 fb 0f f0 ff"), copy("ff c8 e2 fc", FROM, TO));
    }

    @Test
    void endbr64IsCopiedAsItIs() {
        assertArrayEquals(hex("f3 0f 1e fa  55  e9 fb 0f f0 ff"), copy("f3 0f 1e fa 55", FROM, TO));
    }

    @Test
    void farCopyUsesAbsoluteForms() {
        long far = 0x7f0000000000L;
        // js out of reach: jns over a 14-byte absolute jump; the jump back is absolute too.
        byte[] code = copy("85 ff 78 10", FROM, far);
        assertArrayEquals(hex("85 ff  79 0e  ff 25 00 00 00 00  14 10 40 00 00 00 00 00"
                + "  ff 25 00 00 00 00  04 10 40 00 00 00 00 00"), code);
        // call out of reach: call [rip+2]; jmp +8; the address.
        assertArrayEquals(hex("ff 15 02 00 00 00  eb 08  00 11 40 00 00 00 00 00"
                + "  ff 25 00 00 00 00  05 10 40 00 00 00 00 00"), copy("e8 fb 00 00 00", FROM, far));
    }

    @Test
    void unrelocatableInstructionsAreRefusedWithAddressAndDisassembly() {
        Relocation r = relocator.relocate(hex("e3 10 90 90 90"), 0x401136, TO);
        assertFalse(r.ok());
        assertTrue(r.refusal().startsWith("0x401136 jrcxz 0x401148 cannot be relocated"), r.refusal());
        assertTrue(relocator.relocate(hex("90 e2 10"), FROM, TO).refusal().startsWith("0x401001 loop 0x401013 cannot be relocated"));
        // xbegin's abort address is relative and has no other form.
        assertTrue(relocator.relocate(hex("c7 f8 00 00 00 00"), FROM, TO).refusal().contains("xbegin"));
        // A branch into the middle of a copied instruction.
        assertTrue(relocator.relocate(hex("eb 01 b8 01 00 00 00"), FROM, TO).refusal().contains("inside a copied instruction"));
    }

    @Test
    void ripRelativeOperandOutOfReachIsRefused() {
        Relocation r = relocator.relocate(hex("8b 05 00 10 00 00"), FROM, 0x7f0000000000L);
        assertFalse(r.ok());
        assertEquals("0x401000 mov eax, dword ptr [rip + 0x1000] cannot be relocated (0x402006 is out of a rip-relative"
                + " operand's reach from the copy)", r.refusal());
    }

    @Test
    void ripRelativeWithImmediateAndVex() {
        // cmp dword ptr [rip + 0x10], 5 (disp before the imm8); vmovdqu ymm0, [rip + 0x20] (VEX).
        byte[] code = copy("83 3d 10 00 00 00 05", FROM, TO);
        assertArrayEquals(hex("83 3d 10 10 f0 ff 05"), java.util.Arrays.copyOf(code, 7));
        byte[] vex = copy("c5 fe 6f 05 20 00 00 00", FROM, TO);
        assertArrayEquals(hex("c5 fe 6f 05 20 10 f0 ff"), java.util.Arrays.copyOf(vex, 8));
    }
}
