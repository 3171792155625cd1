package tfix.engine.patch;

/**
 * What the planner needs to know about one replacement: the old function as its ELF file
 * states it, the bytes the process holds there now, and the new function's address.
 */
public record SiteRequest(String function, String module, long entry, long size, byte[] fileBytes, byte[] currentBytes,
                          String targetName, String targetModule, long target) {
}
