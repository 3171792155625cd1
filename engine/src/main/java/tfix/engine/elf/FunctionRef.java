package tfix.engine.elf;

/** A function found in the target: where it is, how large, and which file says so. */
public record FunctionRef(LoadedModule module, Symbol symbol, long address, String displayName) {

    public long size() {
        return symbol.size();
    }

    @Override
    public String toString() {
        return String.format("%s at %#x in %s", displayName, address, module.path());
    }
}
