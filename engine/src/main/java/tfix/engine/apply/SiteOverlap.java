package tfix.engine.apply;

import java.util.Comparator;
import java.util.List;

import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Two sites of one write must not share a byte: a caller retargeted inside the bytes another function's
 * jump replaces (a transaction replacing a short function and one of its callers) would be written over,
 * and neither could be undone after.
 */
final class SiteOverlap {
    private SiteOverlap() {
    }

    /** Refuses the writes when two of them overlap; {@code consequence} says what stays (a loaded patch). */
    static void refuse(List<Write> writes, String consequence) {
        List<Write> sorted = writes.stream().sorted(Comparator.comparingLong(Write::address)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            Write a = sorted.get(i - 1);
            Write b = sorted.get(i);
            if (b.address() < a.address() + a.length()) {
                throw new TfixException(Reason.UNSAFE_SITE, String.format("the site of %s at %#x (%d bytes) and the site"
                        + " of %s at %#x overlap: replace them in separate steps (a function patched through its callers"
                        + " cannot also have one of them replaced in the same write); nothing was written%s",
                        Printable.of(a.function()), a.address(), a.length(), Printable.of(b.function()), b.address(),
                        consequence));
            }
        }
    }
}
