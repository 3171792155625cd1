package tfix.engine.patch;

import java.util.List;
import java.util.stream.Collectors;

/** A function patched through its callers: every retargeted branch, each one site of the same write. */
public record CallerPlan(List<CallerSite> sites) {

    /** "7 callers (0x1139, 0x1150, ...)": the addresses in full, as status and results print them. */
    public String summary() {
        return sites.size() + " caller" + (sites.size() == 1 ? "" : "s") + " (" + sites.stream()
                .map(s -> String.format("%#x", s.address())).collect(Collectors.joining(", ")) + ")";
    }

    public long trampolines() {
        return sites.stream().filter(s -> s.trampoline() != 0).map(CallerSite::trampoline).distinct().count();
    }
}
