package tfix.engine.patch;

import java.util.List;

/**
 * Bytes after one function, up to the next symbol or 16-byte boundary: where a pad (a 5-byte jump that a 2-byte
 * entry jump reaches) may go, if they are padding that nothing executes.
 *
 * @param start          the first byte after the function (process address)
 * @param bytes          the bytes from {@code start} as the process holds them now
 * @param precedingStart where the function that ends at {@code start} begins
 * @param preceding      its code: its last instruction must not fall through into the gap
 * @param branchTargets  where direct branches of the module land inside the gap (a pad must hold none)
 */
public record PadGap(long start, byte[] bytes, long precedingStart, byte[] preceding, List<Long> branchTargets) {
}
