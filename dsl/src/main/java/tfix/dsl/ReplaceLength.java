package tfix.dsl;

import java.math.BigInteger;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** {@code replace '0x7f12345', length: 48 with ...}: the length of code no symbol describes, a positive whole number of bytes. */
final class ReplaceLength {
    /** Larger is no function tfix could check byte by byte. */
    static final int MAX = 1 << 20;

    private ReplaceLength() {
    }

    /** 0 when not given. */
    static int of(Object value, String oldName, boolean importer) {
        if (value == null) {
            return 0;
        }
        boolean whole = value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof BigInteger;
        if (!whole || ((Number) value).longValue() <= 0 || ((Number) value).longValue() > MAX
                || (value instanceof BigInteger b && b.bitLength() > 31)) {
            throw new TfixException(Reason.BAD_INPUT, "length: takes the function's size in bytes, a whole number from 1 to "
                    + MAX + " (length: 48), not '" + value + "'; nothing was done");
        }
        if (importer) {
            throw new TfixException(Reason.BAD_INPUT, "length: is for code named by address, in: replaces a module's imports:"
                    + " give one of them for '" + oldName + "'; nothing was done");
        }
        return ((Number) value).intValue();
    }
}
