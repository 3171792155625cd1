package tfix.engine.patch;

import java.util.List;
import java.util.Set;

/**
 * What is known around a site for a pad: the gaps after the functions ending within a 2-byte jump's reach, every
 * symbol's extent there, the executable file-backed text the site lies in, and the pads and slots already used
 * (never reused: a thread may still sit on one).
 *
 * @param symbols  {start, end} of every symbol near the site; no pad byte may lie inside one
 * @param textStart first byte of the executable file-backed mapping holding the site
 * @param textEnd   its end
 * @param used      pads and trampoline slots used before (in the record) or by earlier sites of this write
 */
public record PadArea(List<PadGap> gaps, List<long[]> symbols, long textStart, long textEnd, Set<Long> used) {
    /** No gap known: every site is refused a pad. */
    public static PadArea none() {
        return new PadArea(List.of(), List.of(), 0, 0, Set.of());
    }
}
