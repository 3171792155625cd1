package tfix.engine.prepare;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import tfix.engine.elf.FunctionRef;
import tfix.engine.elf.LoadedModule;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.BranchIndex;
import tfix.engine.patch.BranchIndexCache;
import tfix.engine.patch.IncomingBranch;
import tfix.engine.patch.SiteRequest;
import tfix.engine.process.ProcMemory;
import tfix.engine.x86.Instruction;
import tfix.engine.x86.X86Decoder;

/**
 * Gathers what the planner needs about a function: its bytes in the file and in the
 * process, the padding after it, relocations near it, and the direct branches of its whole
 * module that land near its entry. Reads only.
 */
public final class SiteSurvey {
    /** How far past the entry the facts reach: beyond any jump plus a trailing instruction. */
    static final int WINDOW = 48;
    private final ProcMemory memory;
    private final X86Decoder decoder;
    private final BranchIndexCache branchIndexes;

    public SiteSurvey(ProcMemory memory, X86Decoder decoder, BranchIndexCache branchIndexes) {
        this.memory = memory;
        this.decoder = decoder;
        this.branchIndexes = branchIndexes;
    }

    public SiteRequest survey(FunctionRef old, String targetName, String targetModule, long target) {
        LoadedModule m = old.module();
        long size = old.size();
        long link = old.symbol().value();
        int want = (int) Math.min(Math.max(size, WINDOW), 1 << 20);
        byte[] file;
        try {
            file = m.image().bytesAt(link, want);
        } catch (TfixException e) {
            file = m.image().bytesAt(link, (int) Math.max(size, 1));
        }
        long mapEnd = m.mappings().stream().filter(x -> x.contains(old.address())).findFirst()
                .map(x -> x.end()).orElse(old.address() + WINDOW);
        byte[] current = memory.read(old.address(), (int) Math.min(Math.min(WINDOW, file.length), mapEnd - old.address()));

        long end = link + size;
        long limit = Math.min(m.nextSymbolAfter(link), (end + 15) & ~15L);
        List<Long> relocs = new ArrayList<>();
        for (long r : m.image().relocationOffsets()) {
            if (r >= link && r < link + WINDOW) {
                relocs.add(m.bias() + r);
            }
        }
        // Every function, exported or static, at any module size: a .cold part or a tail call may
        // jump into any of them. Planning runs before the target is stopped, so the build costs no freeze.
        BranchIndex index = branchIndexes.get(identity(m), m.image());
        List<IncomingBranch> incoming = new ArrayList<>();
        for (BranchIndex.Edge e : index.into(link, link + WINDOW)) {
            long source = m.bias() + e.source();
            // Only a branch past the entry needs its mnemonic for a message; calls to the entry are many.
            String insn = e.target() == link ? "branch" : mnemonicAt(m, e.source());
            incoming.add(new IncomingBranch(source, insn, m.bias() + e.target(), where(m, source)));
        }
        return new SiteRequest(old.displayName(), m.path(), old.address(), size, file, current, targetName, targetModule,
                target, m.bias() + limit, relocs, incoming, 0, null);
    }

    /** The file's identity for the engine's cache: path and build-id, else path, inode and modification time. */
    static String identity(LoadedModule m) {
        String path = m.path() + "#";
        if (m.image().buildId().isPresent()) {
            return path + "build-id " + m.image().buildId().get();
        }
        long mtime;
        try {
            mtime = Files.getLastModifiedTime(m.image().file()).toMillis();
        } catch (IOException e) {
            mtime = -1; // the file is gone: the inode still tells it apart while it is mapped
        }
        return path + "inode " + m.mappings().get(0).inode() + " mtime " + mtime;
    }

    private String mnemonicAt(LoadedModule m, long link) {
        try {
            List<Instruction> one = decoder.decode(m.image().bytesAt(link, 15), link);
            return one.isEmpty() ? "branch" : one.get(0).mnemonic();
        } catch (TfixException e) {
            return "branch"; // within 15 bytes of the segment's end: the name is only for the message
        }
    }

    static String where(LoadedModule m, long address) {
        return m.symbolAt(address)
                .map(s -> String.format("%s+%#x", s.plainName(), address - m.runtimeAddress(s)))
                .orElse(String.format("%#x in %s", address, m.fileName()));
    }
}
