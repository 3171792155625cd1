package tfix.cli.fleet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tfix.engine.failure.Reason;

/**
 * One process's result under one command: what JSON prints as a "process" object, and the text the
 * process's script printed, kept whole so that processes handled in parallel never interleave.
 *
 * @param reason  why it was skipped, failed or gone (the engine's {@link Reason}); null otherwise
 * @param program the executable it runs (from /proc/PID/exe), or null once gone
 * @param buildId the executable's GNU build-id, or null when it has none or is gone
 * @param route   how tfix reached the process ("ptrace" or "agent"), or null when it never attached
 */
record ProcessResult(String command, int pid, String program, String buildId, Outcome outcome, Reason reason,
                     String message, double freezeMillis, List<SiteResult> sites, String text, String route) {

    ProcessResult(String command, int pid, String program, String buildId, Outcome outcome, Reason reason,
                  String message, double freezeMillis, List<SiteResult> sites, String text) {
        this(command, pid, program, buildId, outcome, reason, message, freezeMillis, sites, text, null);
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", JsonLines.SCHEMA);
        m.put("kind", "process");
        m.put("command", command);
        m.put("pid", pid);
        m.put("program", program);
        m.put("buildId", buildId);
        m.put("outcome", outcome.word());
        m.put("reason", reason == null ? null : reason.name());
        m.put("message", message);
        m.put("freezeMillis", Math.round(freezeMillis * 1000) / 1000.0);
        m.put("route", route);
        m.put("sites", sites.stream().map(SiteResult::json).toList());
        m.put("ranBy", tfix.cli.CommandScope.ranBy());
        return m;
    }
}
