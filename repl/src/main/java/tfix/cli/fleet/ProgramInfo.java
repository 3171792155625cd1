package tfix.cli.fleet;

import java.nio.file.Files;
import java.nio.file.Path;

import tfix.engine.Engine;
import tfix.engine.elf.ElfImage;

/** The executable a process runs and its build-id, read from /proc; the ELF file is parsed once per build (the engine's cache). */
record ProgramInfo(String program, String buildId) {
    static final ProgramInfo NONE = new ProgramInfo(null, null);

    static ProgramInfo of(int pid, Engine engine) {
        Path exe = Path.of("/proc", Integer.toString(pid), "exe");
        try {
            String path = Files.readSymbolicLink(exe).toString();
            long inode = (Long) Files.getAttribute(exe, "unix:ino");
            String id = engine.elfCache().get(path, exe, inode).flatMap(ElfImage::buildId).orElse(null);
            return new ProgramInfo(path, id);
        } catch (Exception e) {
            return NONE; // gone, or a process whose program cannot be read: the result says what happened
        }
    }
}
