package tfix.engine.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.elf.SymbolDefinitions;
import tfix.engine.elf.SymbolDefinitions.Definition;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The {@code symbols} verb: every defined symbol (functions, variables, thread-locals, IFUNCs; statics with
 * their source file) whose name matches, sorted by module (in address order) then address, counted, one page.
 */
final class SymbolListing {
    /** One matching symbol; {@code address} is the process's, or the offset in the TLS block for a thread-local. */
    record Row(int module, String file, long address, Definition definition, String display) {
    }

    private final ProcessSymbols symbols;

    SymbolListing(ProcessSymbols symbols) {
        this.symbols = symbols;
    }

    List<Row> matching(SymbolQuery q) {
        List<Row> rows = new ArrayList<>();
        List<LoadedModule> modules = symbols.modules().stream()
                .sorted(Comparator.comparingLong(m -> m.mappings().isEmpty() ? Long.MAX_VALUE : m.mappings().get(0).start()))
                .toList();
        if (q.library() != null && modules.stream().noneMatch(m -> m.matchesLibrary(q.library()))) {
            throw new TfixException(Reason.NOT_FOUND, "symbols: no library matching '" + q.library()
                    + "' is loaded: see the loaded files with `maps`");
        }
        for (int i = 0; i < modules.size(); i++) {
            LoadedModule m = modules.get(i);
            if (q.library() != null && !m.matchesLibrary(q.library())) {
                continue;
            }
            for (Definition d : m.definitions().all()) {
                if (q.kind() != null && !q.kind().equals(SymbolQuery.kindOf(d.type()))) {
                    continue;
                }
                String display = symbols.demangler().demangle(d.name()).orElse(d.name());
                if (q.pattern().matcher(d.name()).find() || q.pattern().matcher(display).find()) {
                    boolean tls = d.type() == SymbolDefinitions.STT_TLS;
                    rows.add(new Row(i, m.fileName(), tls ? d.value() : m.bias() + d.value(), d, display));
                }
            }
        }
        rows.sort(Comparator.comparingInt(Row::module).thenComparing(r -> r.definition().type() == SymbolDefinitions.STT_TLS)
                .thenComparingLong(Row::address).thenComparing(Row::display));
        return rows;
    }

    List<String> page(SymbolQuery q) {
        List<Row> rows = matching(q);
        int pages = Math.max(1, (rows.size() + SymbolQuery.PAGE_SIZE - 1) / SymbolQuery.PAGE_SIZE);
        if (q.page() > pages) {
            throw new TfixException(Reason.BAD_INPUT, "symbols: page " + q.page() + " asked, but the " + rows.size()
                    + " matches fill " + pages + (pages == 1 ? " page" : " pages") + " of " + SymbolQuery.PAGE_SIZE);
        }
        List<String> out = new ArrayList<>();
        String head = rows.size() + (rows.size() == 1 ? " symbol matches" : " symbols match");
        if (pages > 1) {
            int from = (q.page() - 1) * SymbolQuery.PAGE_SIZE;
            head += String.format(" (page %d of %d: %d-%d)", q.page(), pages, from + 1,
                    Math.min(rows.size(), from + SymbolQuery.PAGE_SIZE));
            if (q.page() < pages) {
                head += "; next: " + q.written(q.page() + 1);
            }
        }
        out.add(head);
        rows.stream().skip((long) (q.page() - 1) * SymbolQuery.PAGE_SIZE).limit(SymbolQuery.PAGE_SIZE)
                .forEach(r -> out.add(line(r)));
        return out;
    }

    private static String line(Row r) {
        Definition d = r.definition();
        String where = d.type() == SymbolDefinitions.STT_TLS ? String.format("tls+%#x", r.address())
                : String.format("%#014x", r.address());
        String kind = kindWords(d) + (d.sourceFile() != null ? " (" + d.sourceFile() + ")" : "");
        return String.format("%-14s %7d  %-26s %s!%s", where, d.size(), kind, r.file(), r.display());
    }

    /** "static function", "variable", "thread-local variable", "IFUNC"... */
    private static String kindWords(Definition d) {
        return d.type() == 0 ? (d.local() ? "static symbol" : "symbol") : d.kind();
    }
}
