package tfix.engine;

import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfCache;
import tfix.engine.patch.BranchIndexCache;
import tfix.engine.sys.Native;
import tfix.engine.x86.X86Decoder;

/** Shared, expensive pieces, made once and used by every session: libc binding, demangler, decoder, parsed ELF files, branch indexes. */
public record Engine(Native nat, ElfCache elfCache, Demangler demangler, X86Decoder decoder,
                     BranchIndexCache branchIndexes) {
    public static Engine create() {
        return new Engine(new Native(), new ElfCache(), Demangler.load(), new X86Decoder(), new BranchIndexCache());
    }
}
