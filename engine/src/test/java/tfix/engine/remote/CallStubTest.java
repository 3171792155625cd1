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
                    "mov rcx, qword ptr [rbx + 0x20]", "mov eax, 0xffffffff", "mov edx, 0xffffffff", "xsave64 ptr [rcx]",
                    "mov rdi, qword ptr [rbx + 0x28]", "mov rsi, qword ptr [rbx + 0x30]", "mov rdx, qword ptr [rbx + 0x38]",
                    "mov rcx, qword ptr [rbx + 0x40]", "mov r8, qword ptr [rbx + 0x48]", "mov r9, qword ptr [rbx + 0x50]",
                    "xor eax, eax", "call qword ptr [rbx + 0x18]", "mov rdi, rax", "mov eax, 0x27", "syscall",
                    "mov rcx, qword ptr [rbx + 0x20]", "mov eax, 0xffffffff", "mov edx, 0xffffffff", "xrstor64 ptr [rcx]",
                    "push qword ptr [rbx + 0x10]", "popfq",
                    "mov rax, qword ptr [rbx + 0x58]", "mov rcx, qword ptr [rbx + 0x68]", "mov rdx, qword ptr [rbx + 0x70]",
                    "mov rsi, qword ptr [rbx + 0x78]", "mov rdi, qword ptr [rbx + 0x80]", "mov rbp, qword ptr [rbx + 0x88]",
                    "mov r8, qword ptr [rbx + 0x90]", "mov r9, qword ptr [rbx + 0x98]", "mov r10, qword ptr [rbx + 0xa0]",
                    "mov r11, qword ptr [rbx + 0xa8]", "mov r12, qword ptr [rbx + 0xb0]", "mov r13, qword ptr [rbx + 0xb8]",
                    "mov r14, qword ptr [rbx + 0xc0]", "mov r15, qword ptr [rbx + 0xc8]",
                    "lea rsp, [rbx]", "mov rbx, qword ptr [rbx + 8]", "ret 0x7ff8");
            String body = text.lines().filter(l -> !l.equals("int3")).collect(Collectors.joining("\n"));
            assertEquals(expected, body);
            long syscallAt = insns.stream().filter(i -> i.mnemonic().equals("syscall")).findFirst().orElseThrow().address();
            assertEquals(0x1000 + stub.markerOffset(), syscallAt);
        }
    }
}
