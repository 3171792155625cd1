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
 * @param ready     {pad, trampoline or 0} of used pads whose jump leads to the new function already: an earlier
 *                  patch's, reused as they are (never rewritten), so re-applying a fix needs no new padding
 */
public record PadArea(List<PadGap> gaps, List<long[]> symbols, long textStart, long textEnd, Set<Long> used,
                      List<long[]> ready) {
    public PadArea(List<PadGap> gaps, List<long[]> symbols, long textStart, long textEnd, Set<Long> used) {
        this(gaps, symbols, textStart, textEnd, used, List.of());
    }

    /** No gap known: every site is refused a pad. */
    public static PadArea none() {
        return new PadArea(List.of(), List.of(), 0, 0, Set.of());
    }
}
