package tfix.engine.elf;

import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * A function the symbol tables do not describe, named by its entry address and the length the user gives
 * ({@code replace '0x7f12345', length: 48 with ...}): a symbol is made for it, so the site is planned and
 * checked as any other (whole instructions, no branch into the jump's bytes).
 */
public final class UndescribedCode {
    private UndescribedCode() {
    }

    /** {@code query}: "0xADDRESS" or "lib!0xADDRESS"; {@code length}: the function's size in bytes, positive. */
    public static FunctionRef at(ProcessSymbols symbols, String query, String library, long length) {
        String q = query.trim();
        int bang = q.indexOf('!');
        String lib = bang > 0 ? q.substring(0, bang) : library;
        String addr = bang > 0 ? q.substring(bang + 1) : q;
        if (!addr.matches("0[xX][0-9a-fA-F]{1,16}")) {
            throw new TfixException(Reason.BAD_INPUT, "length: is for code named by its address ('0x...'), not '" + query
                    + "': a function with a name has its length in the symbol table");
        }
        if (length <= 0 || length > 1 << 20) {
            throw new TfixException(Reason.BAD_INPUT, "length: " + length + " is not a function's length: give its size in bytes (1 to 1048576)");
        }
        long address = Long.parseUnsignedLong(addr.substring(2), 16);
        LoadedModule m = symbols.moduleAt(address).orElseThrow(() -> new TfixException(Reason.NOT_FOUND,
                String.format("address %#x is not in any mapped file of the process", address)));
        if (lib != null && !m.matchesLibrary(lib)) {
            throw new TfixException(Reason.NOT_FOUND, String.format("address %#x is in %s, not in '%s'", address, m.fileName(), lib));
        }
        long link = address - m.bias();
        if (m.image().segments().stream().noneMatch(s -> s.executable() && s.containsVaddr(link)
                && s.containsVaddr(link + length - 1))) {
            throw new TfixException(Reason.BAD_INPUT, String.format("%#x + %d bytes is not code of %s (%s): give the entry and"
                    + " length of a function", address, length, m.fileName(), symbols.nearest(m, address)));
        }
        Optional<Symbol> covering = m.symbolAt(address);
        if (covering.isPresent() && m.runtimeAddress(covering.get()) != address) {
            throw new TfixException(Reason.BAD_INPUT, String.format("%#x is inside %s (%s): give that function's entry,"
                    + " or its name, without length:", address, symbols.displayName(covering.get()), symbols.nearest(m, address)));
        }
        if (covering.isPresent() && covering.get().size() > 0 && covering.get().size() != length) {
            throw new TfixException(Reason.BAD_INPUT, String.format("%s at %#x is %d bytes long by its symbol, not %d:"
                    + " leave out length:", symbols.displayName(covering.get()), address, covering.get().size(), length));
        }
        String name = covering.map(Symbol::name).orElse(String.format("%s+%#x", m.fileName(), link));
        Symbol s = new Symbol(name, link, length, Symbol.STT_FUNC, Symbol.STB_LOCAL,
                covering.map(Symbol::table).orElse("length:"));
        return new FunctionRef(m, s, address, covering.map(symbols::displayName).orElse(name));
    }
}
