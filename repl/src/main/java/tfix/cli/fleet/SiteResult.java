package tfix.cli.fleet;

import java.util.LinkedHashMap;
import java.util.Map;

import tfix.engine.Results;
import tfix.engine.patch.SitePlan;
import tfix.engine.record.AppliedPatch;
import tfix.engine.record.SiteKind;

/**
 * One patched site as tfix/1 JSON shows it, from the engine's own values: a record entry (status,
 * revert, verify: {@code id} and {@code transaction} known) or a plan just written (replace: they are null).
 */
record SiteResult(Integer id, Integer transaction, String function, String kind, String module, long entry, long site,
                  long target, String targetName, String patchFile, String jumpKind, long trampoline, long copy,
                  Boolean inPlace) {

    static SiteResult of(AppliedPatch p, Boolean inPlace) {
        return new SiteResult(p.id(), p.transaction(), p.function(), p.kind().word(), p.module(), p.entry(), p.site(),
                p.target(), p.targetName(), p.patchFile(), null, p.trampoline(), p.copy(), inPlace);
    }

    static SiteResult of(Results.Replaced r) {
        SitePlan p = r.plan();
        String kind = p.importSlot() != null ? SiteKind.IMPORT.word() : p.callers() != null ? SiteKind.CALLER.word()
                : SiteKind.JUMP.word();
        return new SiteResult(null, null, p.function(), kind, p.module(), p.entry(), p.site(), p.target(), p.targetName(),
                p.targetModule(), p.jumpLabel(), p.trampoline(), p.copy() == null ? 0 : p.copy().address(), null);
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("transaction", transaction);
        m.put("function", function);
        m.put("kind", kind);
        m.put("module", module);
        m.put("entry", hex(entry));
        m.put("site", hex(site));
        m.put("target", hex(target));
        m.put("targetName", targetName);
        m.put("patchFile", patchFile);
        m.put("jumpKind", jumpKind);
        m.put("trampoline", trampoline == 0 ? null : hex(trampoline));
        m.put("copy", copy == 0 ? null : hex(copy));
        m.put("inPlace", inPlace);
        return m;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
