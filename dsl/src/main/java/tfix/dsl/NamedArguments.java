package tfix.dsl;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * A verb's named arguments: one it does not know is an error, never dropped (a misspelt or
 * unsupported {@code in:} once widened a replace to the whole process).
 */
final class NamedArguments {
    private NamedArguments() {
    }

    static void only(String verb, Map<String, Object> named, String... known) {
        List<String> allowed = List.of(known);
        TreeSet<String> unknown = new TreeSet<>(named.keySet());
        unknown.removeAll(allowed);
        if (!unknown.isEmpty()) {
            throw new TfixException(Reason.BAD_INPUT, verb + " does not take " + unknown.stream().map(k -> k + ":")
                    .collect(Collectors.joining(", ")) + "; it takes " + allowed.stream().map(k -> k + ":")
                    .collect(Collectors.joining(", ")) + " (nothing was done)");
        }
    }
}
