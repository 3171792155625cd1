package tfix.engine.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/** The hand-encoded stub, read back by an independent disassembler. */
class CallStubTest {
    @Test
    void stubDisassemblesToTheDocumentedSequence() {
        CallStub stub = new CallStub();
        try (X86Decoder d = new X86Decoder()) {
            List<Instruction> insns = d.decode(stub.code(), 0x1000);
            String text = insns.stream().map(i -> (i.mnemonic() + " " + i.operands()).trim()).collect(Collectors.joining("\n"));
            String expected = String.join("\n",
                    "mov rcx, qword ptr [rbx + 0x38]", "mov eax, 0xffffffff", "mov edx, 0xffffffff", "xsave64 ptr [rcx]",
                    "mov rdi, qword ptr [rbx + 0x40]", "mov rsi, qword ptr [rbx + 0x48]", "mov rdx, qword ptr [rbx + 0x50]",
                    "mov rcx, qword ptr [rbx + 0x58]", "mov r8, qword ptr [rbx + 0x60]", "mov r9, qword ptr [rbx + 0x68]",
                    "xor eax, eax", "call qword ptr [rbx + 0x30]", "mov r12, rax", "mov eax, 0x27", "syscall", "mov r13, rax",
                    "mov edi, 1", "mov rsi, qword ptr [rbx + 0xf0]", "mov rdx, qword ptr [rbx + 0xf8]", "mov r10d, 8",
                    "mov eax, 0xe", "syscall", "mov eax, 0xba", "syscall", "mov rsi, rax", "mov rdi, r13",
                    "mov rdx, qword ptr [rbx + 0xe8]", "mov eax, 0xea", "syscall",
                    "mov edi, 2", "mov rsi, qword ptr [rbx + 0xf8]", "mov edx, 0", "mov r10d, 8", "mov eax, 0xe", "syscall",
                    "mov rcx, qword ptr [rbx + 0x38]", "mov eax, 0xffffffff", "mov edx, 0xffffffff", "xrstor64 ptr [rcx]",
                    "mov rax, qword ptr [rbx + 0x70]", "mov rcx, qword ptr [rbx + 0x80]", "mov rdx, qword ptr [rbx + 0x88]",
                    "mov rsi, qword ptr [rbx + 0x90]", "mov rdi, qword ptr [rbx + 0x98]", "mov rbp, qword ptr [rbx + 0xa0]",
                    "mov r8, qword ptr [rbx + 0xa8]", "mov r9, qword ptr [rbx + 0xb0]", "mov r10, qword ptr [rbx + 0xb8]",
                    "mov r11, qword ptr [rbx + 0xc0]", "mov r12, qword ptr [rbx + 0xc8]", "mov r13, qword ptr [rbx + 0xd0]",
                    "mov r14, qword ptr [rbx + 0xd8]", "mov r15, qword ptr [rbx + 0xe0]",
                    "lea rsp, [rbx]", "mov rbx, qword ptr [rbx + 0x28]", "iretq");
            String body = text.lines().filter(l -> !l.equals("int3")).collect(Collectors.joining("\n"));
            assertEquals(expected, body);
            long syscallAt = insns.stream().filter(i -> i.mnemonic().equals("syscall")).findFirst().orElseThrow().address();
            assertEquals(0x1000 + stub.markerOffset(), syscallAt);
            // The signal end is just past the tgkill, the fourth system call.
            long tgkillAt = insns.stream().filter(i -> i.mnemonic().equals("syscall")).skip(3).findFirst().orElseThrow().address();
            assertEquals(0x1000 + stub.signalEndOffset(), tgkillAt + 2);
        }
    }

    @Test
    void theRawBlockPutsBackEveryRegisterAndJumpsBack() {
        long[] values = new long[tfix.engine.ptrace.Registers.COUNT];
        for (int i = 0; i < values.length; i++) {
            values[i] = 0x1111L * (i + 1);
        }
        tfix.engine.ptrace.Registers resume = new tfix.engine.ptrace.Registers(values)
                .with(tfix.engine.ptrace.Registers.RIP, 0x401234);
        byte[] code = RawSyscall.code(0x7000, resume);
        assertEquals(RawSyscall.BLOCK, code.length);
        try (X86Decoder d = new X86Decoder()) {
            List<String> lines = d.decode(code, 0x7000).stream().map(i -> (i.mnemonic() + " " + i.operands()).trim())
                    .filter(l -> !l.equals("int3")).toList();
            assertEquals("syscall", lines.get(0));
            assertEquals(String.format("movabs rax, 0x%x", values[tfix.engine.ptrace.Registers.RAX]), lines.get(1));
            assertEquals(String.format("movabs r15, 0x%x", values[tfix.engine.ptrace.Registers.R15]), lines.get(15));
            assertEquals("jmp qword ptr [rip]", lines.get(16));
        }
    }
}
