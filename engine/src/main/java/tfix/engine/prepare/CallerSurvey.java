package tfix.engine.prepare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import tfix.engine.elf.AddressRelocations;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.Symbol;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.BranchIndex;
import tfix.engine.patch.BranchIndexCache;
import tfix.engine.patch.CallerRequest;
import tfix.engine.process.ProcMemory;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/**
 * Gathers what patching a short function through its callers needs: the direct branches of its module
 * to its entry (from the module's branch index), their bytes in the file and in the process, and every
 * place its address is taken (RIP-relative references in the code, data relocations) or imported by
 * name from another module. Reads only; all of it is known before any patch is loaded.
 */
final class CallerSurvey {
    /** The longest instruction: a caller's bytes are read this far, to decode it whole. */
    private static final int INSN_MAX = 15;
    private final ProcMemory memory;
    private final X86Decoder decoder;
    private final BranchIndexCache branchIndexes;

    CallerSurvey(ProcMemory memory, X86Decoder decoder, BranchIndexCache branchIndexes) {
        this.memory = memory;
        this.decoder = decoder;
        this.branchIndexes = branchIndexes;
    }

    CallerRequest survey(FunctionRef old, List<LoadedModule> modules) {
        LoadedModule m = old.module();
        long link = old.symbol().value();
        if (!m.image().positionIndependent()) {
            return new CallerRequest(List.of(), List.of(), List.of(), Printable.of(m.path()) + " is not position-independent:"
                    + " the address of " + Printable.of(old.displayName()) + " may sit in its code or data as a plain constant"
                    + " with no relocation to find it by, so tfix cannot prove it found every caller (too hard);"
                    + " replace the functions that call it instead");
        }
        byte[] own = fileBytes(m.image(), link, (int) Math.min(old.size(), INSN_MAX));
        if (!Arrays.equals(own, memory.read(old.address(), own.length))) {
            return new CallerRequest(List.of(), List.of(), List.of(), String.format("the bytes of %s at %#x differ from %s"
                    + " (someone else changed them: another patcher or a debugger breakpoint); refusing to patch around them",
                    Printable.of(old.displayName()), old.address(), Printable.of(m.path())));
        }
        BranchIndex index = branchIndexes.get(SiteSurvey.identity(m), m.image());
        List<CallerRequest.Caller> callers = new ArrayList<>();
        for (BranchIndex.Edge e : index.into(link, link + 1)) {
            if (e.source() >= link && e.source() < link + old.size()) {
                continue; // the old function's own branch back to its entry keeps running the old code it is in
            }
            long at = m.bias() + e.source();
            callers.add(new CallerRequest.Caller(at, SiteSurvey.where(m, at), fileBytes(m.image(), e.source()),
                    memory.read(at, 6)));
        }
        List<String> taken = new ArrayList<>(ripReferences(m, link));
        AddressRelocations.to(m.image(), link, old.symbol().name()).forEach(r -> taken.add("the " + r + " of " + m.fileName()));
        return new CallerRequest(callers, taken, importers(old, modules), null);
    }

    /**
     * A replace of a function already patched through its callers is refused: its sites belong to one
     * transaction, and taking them over one by one could leave callers split between two versions.
     */
    static void refuseTakeover(List<AppliedPatch> inForce, FunctionRef old) {
        List<AppliedPatch> sites = inForce.stream()
                .filter(p -> p.kind() == SiteKind.CALLER && p.entry() == old.address()).toList();
        if (!sites.isEmpty()) {
            throw new TfixException(Reason.UNSAFE_SITE, String.format("cannot replace %s: it is replaced with %s through"
                    + " its %d callers already; revert it first (`revert %s`), then replace it again",
                    Printable.of(old.displayName()), Printable.of(sites.get(0).targetName()), sites.size(),
                    Printable.of(sites.get(0).function())));
        }
    }

    private static byte[] fileBytes(ElfImage image, long link) {
        for (int n = INSN_MAX; n > 0; n--) {
            try {
                return image.bytesAt(link, n);
            } catch (TfixException e) {
                // near the end of the segment: fewer bytes still hold a whole branch
            }
        }
        return new byte[0];
    }

    /**
     * Every RIP-relative operand in the module's code that points at {@code link}: a disp32 whose end plus
     * its value is the entry, after a ModRM byte of the RIP-relative form. Read as the bytes say, not only
     * where a decoding starts, so a reference in code the index could not align is still found; each one
     * is named with its instruction when one decodes there.
     */
    private List<String> ripReferences(LoadedModule m, long link) {
        List<String> found = new ArrayList<>();
        for (ElfImage.CodeRange r : m.image().codeRanges()) {
            byte[] code = m.image().fileBytes(r.offset(), (int) r.size());
            for (int i = 1; i + 4 <= code.length; i++) {
                int disp = (code[i] & 0xff) | (code[i + 1] & 0xff) << 8 | (code[i + 2] & 0xff) << 16 | code[i + 3] << 24;
                if (r.vaddr() + i + 4 + disp == link && (code[i - 1] & 0xc7) == 0x05) {
                    found.add(describe(m, code, r.vaddr(), i));
                }
            }
        }
        return found;
    }

    /**
     * "lea rdi, [rip + 0x2ee1] at 0x5555...1234 (main+0x12)": the instruction holding the displacement, decoded
     * from its function's start when a symbol covers it (prefixes included), else the nearest decoding that ends
     * where the displacement does; the bytes' address alone when nothing decodes there.
     */
    private String describe(LoadedModule m, byte[] code, long vaddr, int disp) {
        long link = vaddr + disp;
        Optional<Symbol> f = m.symbolAt(m.bias() + link);
        List<Instruction> insns = f.isPresent() && f.get().size() > 0 && f.get().size() <= 1 << 16
                ? decoder.decode(fileBytes(m.image(), f.get().value(), (int) f.get().size()), f.get().value()) : List.of();
        for (Instruction i : insns) {
            if (i.address() <= link && link < i.end() && i.operands().contains("rip")) {
                return named(m, i);
            }
        }
        for (int start = Math.max(0, disp - 6); start <= disp - 2; start++) {
            List<Instruction> one = decoder.decode(Arrays.copyOfRange(code, start, Math.min(code.length, start + 15)), vaddr + start);
            if (!one.isEmpty() && one.get(0).end() == link + 4 && one.get(0).operands().contains("rip")) {
                return named(m, one.get(0));
            }
        }
        return String.format("a RIP-relative displacement at %#x (%s)", m.bias() + link, SiteSurvey.where(m, m.bias() + link));
    }

    private static String named(LoadedModule m, Instruction i) {
        long at = m.bias() + i.address();
        return String.format("%s %s at %#x (%s)", i.mnemonic(), i.operands(), at, SiteSurvey.where(m, at));
    }

    private static byte[] fileBytes(ElfImage image, long link, int length) {
        try {
            return image.bytesAt(link, length);
        } catch (TfixException e) {
            return new byte[0]; // not all in the file: the nearest decoding names it
        }
    }

    /** Other modules that need the function by name, when its module exports it: they call it through their GOT. */
    private static List<String> importers(FunctionRef old, List<LoadedModule> modules) {
        String name = old.symbol().name();
        if (!old.module().image().linkage().exports().containsKey(name)) {
            return List.of();
        }
        return modules.stream().filter(o -> o != old.module())
                .filter(o -> o.image().linkage().needs().stream().anyMatch(n -> n.name().equals(name)))
                .map(o -> Printable.of(o.fileName())).distinct().collect(Collectors.toList());
    }
}
