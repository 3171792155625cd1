/**
 * x86-64 code: decoding through Capstone ({@link tfix.engine.x86.X86Decoder}), decoded instructions, and the one
 * code writer ({@link tfix.engine.x86.CodeWriter}) that knows its own address, picks a jump's short, near or
 * absolute form and holds the one reach rule; the relocator ({@link tfix.engine.x86.InstructionRelocator})
 * that makes a callable copy of a function's first instructions elsewhere. Pure. Uses only {@code failure}.
 */
package tfix.engine.x86;
