package tfix.engine.patch;

import java.util.List;

/**
 * What the planner needs to know about one replacement: the old function as its ELF file
 * states it (fileBytes start at the entry and run past its end, into any padding), the
 * bytes the process holds there now, the new function's address, and facts about the
 * module around the entry.
 *
 * @param paddingLimit     where bytes after the function stop being possible padding: the next
 *                         symbol or the next 16-byte boundary, whichever is first
 * @param relocations      addresses near the entry that dynamic relocations write to
 * @param incoming         every direct branch of the module (the function's own included) that lands in the
 *                         bytes near the entry the jump may cover, the entry itself included
 * @param trampoline       a slot near the site to jump through (5-byte jump there, absolute jump on), or 0
 * @param replacing        the jump of a patch in force at the site, which this one takes over in one write; or null
 */
public record SiteRequest(String function, String module, long entry, long size, byte[] fileBytes, byte[] currentBytes,
                          String targetName, String targetModule, long target, long paddingLimit,
                          List<Long> relocations, List<IncomingBranch> incoming, long trampoline, byte[] replacing) {

    public SiteRequest viaTrampoline(long slot) {
        return new SiteRequest(function, module, entry, size, fileBytes, currentBytes, targetName, targetModule, target,
                paddingLimit, relocations, incoming, slot, replacing);
    }

    public SiteRequest takingOver(byte[] jump) {
        return new SiteRequest(function, module, entry, size, fileBytes, currentBytes, targetName, targetModule, target,
                paddingLimit, relocations, incoming, trampoline, jump);
    }

    /** A request with no padding allowed and no module facts: the function alone. */
    public static SiteRequest alone(String function, String module, long entry, long size, byte[] fileBytes,
                                    byte[] currentBytes, String targetName, String targetModule, long target) {
        return new SiteRequest(function, module, entry, size, fileBytes, currentBytes, targetName, targetModule, target,
                entry + size, List.of(), List.of(), 0, null);
    }
}
