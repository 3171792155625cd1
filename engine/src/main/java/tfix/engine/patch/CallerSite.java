package tfix.engine.patch;

/**
 * One caller's branch retargeted: its instruction's bytes before and after, and the trampoline slot
 * it now goes through when the new function is out of its reach (0 when it reaches it directly).
 */
public record CallerSite(long address, String from, byte[] original, byte[] patch, long trampoline) {
}
