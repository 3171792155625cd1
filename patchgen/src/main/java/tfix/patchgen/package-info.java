/**
 * {@code tfix build}: from a program's source tree and a unified diff to a patch library with its fix table and a
 * runbook. Builds the tree as it is (recording every compile), proves that build is the running binary, compiles
 * the changed files before and after the diff to assembler with one section per function and per variable,
 * compares them function by function, and assembles the changed and new functions into a shared object whose
 * references to the program go through weak symbols that tfix binds at load.
 *
 * <p>Uses the engine only to read ELF files ({@code elf.ElfImage}) and for its failures; never a process. Runs
 * gcc, GNU patch and the user's build command as child processes.
 */
package tfix.patchgen;
