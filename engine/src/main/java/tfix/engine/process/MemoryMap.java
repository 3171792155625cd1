package tfix.engine.process;

/** One line of /proc/PID/maps. */
public record MemoryMap(long start, long end, String perms, long offset, String device, long inode, String path) {
    /** How a patch tfix handed a target through a memfd shows in its maps: "/memfd:tfix-patch:SHA16:NAME (deleted)". */
    public static final String PATCH_COPY = "/memfd:tfix-patch:";

    public static MemoryMap parse(String line) {
        String[] f = line.trim().split("\\s+", 6);
        String[] range = f[0].split("-");
        return new MemoryMap(Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), f[1],
                Long.parseUnsignedLong(f[2], 16), f[3], Long.parseLong(f[4]), f.length > 5 ? f[5] : "");
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    public boolean executable() {
        return perms.charAt(2) == 'x';
    }

    public boolean writable() {
        return perms.charAt(1) == 'w';
    }

    /** A mapping of a regular file (not [stack], [vdso], anonymous or a memfd), or of a patch's memfd copy. */
    public boolean isFile() {
        return path.startsWith("/") && inode != 0 && (!path.startsWith("/memfd:") || isPatchCopy(path));
    }

    /** Whether a mapped path is a patch's memfd copy (its ELF file is read through map_files like any other). */
    public static boolean isPatchCopy(String path) {
        return path.startsWith(PATCH_COPY);
    }

    public long size() {
        return end - start;
    }

    /** The /proc/PID/map_files entry: opens the very file mapped, even if replaced on disk. */
    public String mapFilesName() {
        return Long.toHexString(start) + "-" + Long.toHexString(end);
    }

    @Override
    public String toString() {
        return String.format("%012x-%012x %s %08x %s", start, end, perms, offset, path);
    }
}
