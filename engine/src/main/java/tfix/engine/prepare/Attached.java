package tfix.engine.prepare;

import tfix.engine.elf.ProcessSymbols;
import tfix.engine.record.PatchBook;
import tfix.engine.remote.RemoteLibc;

/** What preparing a replacement needs of the attached process; the symbols change when a patch is loaded. */
public interface Attached {
    int pid();

    ProcessSymbols symbols();

    RemoteLibc libc();

    PatchBook book();

    /** Reads the process's maps and symbols again (a library was just loaded). */
    void reload();
}
