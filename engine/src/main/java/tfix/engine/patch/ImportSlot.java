package tfix.engine.patch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import tfix.engine.failure.Printable;

/**
 * One slot of a module's import table to change: where the loader put the imported function's address
 * ({@code relocation} says how), what it holds now and what it will hold. Pure data.
 *
 * @param importer   the importing module's file name
 * @param oldMeaning what the slot holds, in words ("strtol in libc.so.6", "the lazy-binding PLT stub"...)
 * @param newValue   the new function's address, 0 while its patch is not loaded (a plan)
 */
public record ImportSlot(String symbol, String importer, String relocation, long slot, long oldValue, String oldMeaning,
                         long newValue, String newName, String newModule) {

    /** "GOT slot" for the loader's slots, "pointer" for an address the module keeps in its data (R_X86_64_64). */
    public String slotWord() {
        return relocation.equals("R_X86_64_64") ? "pointer" : "GOT slot";
    }

    /** The plan in one line, as `plan {}` and --dry-run show it. */
    public String describe() {
        String to = newValue == 0
                ? String.format("%s in %s, once loaded", Printable.of(newName), Printable.of(newModule))
                : String.format("%#x (%s in %s)", newValue, Printable.of(newName), Printable.of(newModule));
        return String.format("import of %s in %s: %s %#x holds %#x (%s) -> %s", Printable.of(symbol), Printable.of(importer),
                slotWord(), slot, oldValue, oldMeaning, to);
    }

    /** An address as the 8 little-endian bytes a slot holds. */
    public static byte[] bytes(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    public static long value(byte[] slotBytes) {
        return ByteBuffer.wrap(slotBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
