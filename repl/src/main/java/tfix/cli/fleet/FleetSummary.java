package tfix.cli.fleet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The end of a command over many processes: how many came to each outcome, skipped and failed
 * grouped by reason, and the exit code (see {@link ExitCodes}).
 */
record FleetSummary(String command, List<ProcessResult> results, double millis) {

    long count(Outcome o) {
        return results.stream().filter(r -> r.outcome() == o).count();
    }

    int exitCode() {
        if (results.isEmpty()) {
            return ExitCodes.NO_PROCESS;
        }
        if (count(Outcome.FAILED) > 0) {
            return ExitCodes.FAILED;
        }
        return count(Outcome.SKIPPED) > 0 ? ExitCodes.SKIPPED : ExitCodes.OK;
    }

    /** "200 processes: 197 patched, 1 already patched, 1 skipped (1 ALREADY_TRACED), 0 failed, 1 gone; 2.41 s, 12.1 ms per process" */
    String line() {
        StringBuilder sb = new StringBuilder();
        sb.append(results.size()).append(results.size() == 1 ? " process: " : " processes: ");
        for (Outcome o : List.of(Outcome.PATCHED, Outcome.REVERTED, Outcome.VERIFIED, Outcome.LISTED, Outcome.DONE)) {
            if (count(o) > 0) {
                sb.append(count(o)).append(' ').append(o.word()).append(", ");
            }
        }
        sb.append(count(Outcome.ALREADY)).append(command.equals("revert") ? " had nothing to revert, " : " already patched, ");
        sb.append(count(Outcome.SKIPPED)).append(" skipped").append(byReason(Outcome.SKIPPED)).append(", ");
        sb.append(count(Outcome.FAILED)).append(" failed").append(byReason(Outcome.FAILED)).append(", ");
        sb.append(count(Outcome.GONE)).append(" gone");
        Map<String, Long> routes = routes();
        if (!routes.isEmpty()) {
            sb.append(routes.entrySet().stream().map(e -> e.getValue() + " via " + e.getKey())
                    .collect(Collectors.joining(", ", " (", ")")));
        }
        sb.append(String.format("; %.2f s, %.1f ms per process", millis / 1000, results.isEmpty() ? 0 : millis / results.size()));
        return sb.toString();
    }

    /** How many processes each route reached ("agent", "ptrace"), those never attached left out. */
    Map<String, Long> routes() {
        return new TreeMap<>(results.stream().filter(r -> r.route() != null)
                .collect(Collectors.groupingBy(ProcessResult::route, Collectors.counting())));
    }

    private String byReason(Outcome o) {
        Map<String, Long> reasons = new TreeMap<>(results.stream().filter(r -> r.outcome() == o)
                .collect(Collectors.groupingBy(r -> r.reason() == null ? "INTERNAL" : r.reason().name(), Collectors.counting())));
        return reasons.isEmpty() ? "" : reasons.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", ", " (", ")"));
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", JsonLines.SCHEMA);
        m.put("kind", "summary");
        m.put("command", command);
        m.put("processes", results.size());
        for (Outcome o : Outcome.values()) {
            m.put(o.word(), count(o));
        }
        m.put("routes", routes());
        m.put("millis", Math.round(millis * 1000) / 1000.0);
        m.put("exitCode", exitCode());
        m.put("ranBy", tfix.cli.CommandScope.ranBy());
        return m;
    }
}
