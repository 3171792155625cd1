package tfix.engine.patch;

/**
 * A direct branch of the module that lands near a function's entry, in process addresses.
 *
 * @param instruction its mnemonic ("jmp", "call", "jne"...)
 * @param from        where it is, for people: "f.cold+0x1a", or the address and file when no symbol covers it
 */
public record IncomingBranch(long source, String instruction, long target, String from) {
}
