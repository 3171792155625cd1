package tfix.engine.elf;

/** A symbol as the ELF file states it: value is the link-time address, before any load bias. */
public record Symbol(String name, long value, long size, int type, int binding, String table) {
    public static final int STT_FUNC = 2;
    public static final int STT_GNU_IFUNC = 10;
    public static final int STB_LOCAL = 0;

    public boolean isFunction() {
        return type == STT_FUNC;
    }

    public boolean isLocal() {
        return binding == STB_LOCAL;
    }

    /** The name without a symbol version suffix ("memcpy@@GLIBC_2.14" is "memcpy"). */
    public String plainName() {
        int at = name.indexOf('@');
        return at > 0 ? name.substring(0, at) : name;
    }

    public boolean contains(long linkAddress) {
        return linkAddress >= value && linkAddress < value + Math.max(1, size);
    }
}
