package tfix.engine.patch;

import java.util.List;

/**
 * What the planner needs to patch a function too short for a jump through its callers: every direct
 * branch of its module to its entry (from outside it), and everything that would let a call reach the
 * old entry some other way, which a caller redirection cannot follow.
 *
 * @param takenAt   places that hold or compute the entry's address (RIP-relative references in code, data
 *                  relocations), in words; each refuses the redirection
 * @param importers other modules that bind to the function by name (through their GOT), in words
 * @param unsound   why the callers cannot be planned at all (a non-PIE file, the function's own bytes changed
 *                  by someone else), or null
 */
public record CallerRequest(List<Caller> callers, List<String> takenAt, List<String> importers, String unsound) {

    /** One direct branch to the entry: where it is, and its first bytes in the file and in the process. */
    public record Caller(long address, String from, byte[] fileBytes, byte[] currentBytes) {
    }
}
