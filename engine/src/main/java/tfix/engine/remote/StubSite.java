package tfix.engine.remote;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import tfix.engine.elf.ElfImage;
import tfix.engine.elf.LoadedModule;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.MemoryMap;

/**
 * Where the call stub lives: the unused tail of an executable mapping, past the end
 * of its code segment and before the end of its page. Nothing refers to those bytes,
 * so the stub is harmless there, and no page of the target is ever made writable or
 * executable for tfix. Every run picks the same place, so a process holds one stub.
 */
public record StubSite(long address, int length, String module) {

    public static StubSite find(List<LoadedModule> modules, int length) {
        List<LoadedModule> order = new ArrayList<>(modules);
        // libc first: every dynamically linked process has it, and remote calls go there anyway.
        order.sort(Comparator.comparingInt(m -> m.fileName().startsWith("libc.so") ? 0 : m.fileName().startsWith("ld-") ? 1 : 2));
        for (LoadedModule m : order) {
            for (MemoryMap map : m.mappings()) {
                if (!map.executable()) {
                    continue;
                }
                for (ElfImage.Segment s : m.image().segments()) {
                    long end = m.bias() + s.vaddr() + s.memsz();
                    if (!s.executable() || end <= map.start() || end > map.end()) {
                        continue;
                    }
                    long start = (end + 15) & ~15L;
                    if (map.end() - start >= length) {
                        return new StubSite(start, length, m.path());
                    }
                }
            }
        }
        throw new TfixException(Reason.UNSUPPORTED, "no executable mapping of the target has " + length
                + " spare bytes after its code for tfix's call stub");
    }

    public boolean contains(long address) {
        return address >= this.address && address < this.address + length;
    }
}
