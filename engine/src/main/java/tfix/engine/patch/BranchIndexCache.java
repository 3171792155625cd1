package tfix.engine.patch;

import tfix.engine.elf.ElfImage;
import tfix.engine.elf.RecentlyUsed;
import tfix.engine.x86.BranchScanner;

/**
 * Branch indexes kept for the engine's life, one per file identity (the caller's key: path and
 * build-id, or path, inode and modification time): a library shared by many processes, or
 * patched again in a later session, is decoded once. At most 256 kept (the resident service lives long).
 */
public final class BranchIndexCache {
    private final RecentlyUsed<BranchIndex> indexes = new RecentlyUsed<>(256);
    private BranchScanner scanner;

    public BranchIndex get(String identity, ElfImage image) {
        BranchIndex known = indexes.get(identity);
        if (known != null) {
            return known;
        }
        // Built outside the map's lock: a slow build of one module must not hold up another's lookup.
        BranchIndex built = BranchIndex.build(image, scanner());
        return indexes.computeIfAbsent(identity, k -> built);
    }

    private synchronized BranchScanner scanner() {
        if (scanner == null) {
            scanner = new BranchScanner();
        }
        return scanner;
    }
}
