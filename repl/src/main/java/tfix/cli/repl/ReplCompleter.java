package tfix.cli.repl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import tfix.dsl.TfixScript;
import tfix.engine.elf.Demangler;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.failure.Printable;

/**
 * Offers what makes sense where the cursor is (see {@link ReplParser.Context}). It never
 * talks to the target: the REPL hands it the process's symbols after each command, and
 * the sorted index is built off the prompt's thread, once per set of loaded files.
 */
public final class ReplCompleter implements Completer {
    /** More would not fit on a screen; the index keeps the common prefix right anyway. */
    static final int MAX = 200;
    private static final Pattern FROM = Pattern.compile("\\bfrom\\s*\\(?\\s*(?:'([^'\\n]+)'|\"([^\"\\n]+)\")");
    private static final List<String> REPL_WORDS = List.of("help", "exit", "quit");
    private static final List<String> COMMANDS = List.of(":load", ":reload", ":help", ":quit");

    private final Supplier<Path> baseDir;
    private final Executor builder;
    /** The module paths the index was built from. */
    private List<String> indexed;
    private Set<String> indexedWithout = Set.of();
    private volatile CompletableFuture<SymbolIndex> processIndex = CompletableFuture.completedFuture(SymbolIndex.EMPTY);
    private volatile Demangler demangler;
    private volatile List<String> inForce = List.of();
    /** Patch libraries in force and those the user named in `from '...'`, newest last. */
    private final Set<Path> patchFiles = new LinkedHashSet<>();
    private final Map<Path, PatchIndex> patchIndexes = new ConcurrentHashMap<>();

    private record PatchIndex(FileTime modified, SymbolIndex index) {
    }

    /** {@code baseDir}: where relative paths start (the session's folder). */
    public ReplCompleter(Supplier<Path> baseDir, Executor builder) {
        this.baseDir = baseDir;
        this.builder = builder;
    }

    /**
     * After each command: the process's symbols (null when not attached) and the patches in
     * force. A new symbols object means files were loaded or another process attached.
     */
    public synchronized void update(ProcessSymbols symbols, List<String> functionsInForce, List<String> patchPaths) {
        inForce = List.copyOf(functionsInForce);
        patchPaths.forEach(p -> patchFiles.add(Path.of(p)));
        Set<String> without = Set.copyOf(patchPaths);
        List<String> modules = symbols == null ? null : symbols.modules().stream().map(m -> m.path()).toList();
        if (Objects.equals(modules, indexed) && without.equals(indexedWithout)) {
            return; // the same files: a session taken again between statements reads the same symbols
        }
        indexed = modules;
        indexedWithout = without;
        if (symbols == null) {
            processIndex = CompletableFuture.completedFuture(SymbolIndex.EMPTY);
            return;
        }
        demangler = symbols.demangler();
        processIndex = CompletableFuture.supplyAsync(() -> SymbolIndex.of(symbols, without), builder);
    }

    /** Remembers the patch files named in a line the user ran (resolved where the line ran). */
    public synchronized void noteInput(String text, Path dir) {
        patchFiles.addAll(fromPaths(text, dir));
    }

    static List<Path> fromPaths(String text, Path dir) {
        List<Path> out = new ArrayList<>();
        Matcher m = FROM.matcher(text);
        while (m.find()) {
            String p = m.group(1) != null ? m.group(1) : m.group(2);
            out.add(dir.resolve(p).normalize());
        }
        return out;
    }

    @Override
    public void complete(LineReader reader, ParsedLine parsed, List<Candidate> candidates) {
        if (!(parsed instanceof ReplParser.Line line)) {
            return;
        }
        String word = line.word();
        boolean complete = !line.closedAfter();
        switch (line.context()) {
            case VERB -> {
                for (String v : TfixScript.VERBS) {
                    candidates.add(new Candidate(v, v, null, Help.summary(v), null, null, true));
                }
                if (line.words().size() == 1) {
                    REPL_WORDS.forEach(w -> candidates.add(new Candidate(w)));
                }
            }
            case HELP -> TfixScript.VERBS.forEach(v -> candidates.add(new Candidate(v, v, null, Help.summary(v), null, null, true)));
            case COMMAND -> COMMANDS.forEach(c -> candidates.add(new Candidate(c)));
            case SYMBOL -> names(processIndex(), word, complete, candidates);
            case REVERT -> {
                // What can be reverted is what is in force; any function name otherwise.
                List<String> active = inForce.stream().filter(f -> f.startsWith(word)).toList();
                if (active.isEmpty()) {
                    names(processIndex(), word, complete, candidates);
                } else {
                    active.forEach(f -> candidates.add(new Candidate(f, Printable.of(f), null, "in force", null, null, complete)));
                }
            }
            case PATCH_SYMBOL -> names(patchIndex(line.line()), word, complete, candidates);
            case FILE -> files(word, complete, candidates);
            default -> {
            }
        }
    }

    private static void names(SymbolIndex index, String prefix, boolean complete, List<Candidate> out) {
        for (String n : index.complete(prefix, MAX)) {
            out.add(new Candidate(n, Printable.of(n), null, null, null, null, complete));
        }
    }

    /** The process's index; waits a little if it is still being built right after an attach. */
    SymbolIndex processIndex() {
        try {
            return processIndex.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SymbolIndex.EMPTY;
        } catch (ExecutionException | TimeoutException e) {
            return SymbolIndex.EMPTY;
        }
    }

    /** Functions of the known patch libraries and of any `from '...'` already typed on this line. */
    private SymbolIndex patchIndex(String line) {
        Set<Path> files;
        synchronized (this) {
            files = new LinkedHashSet<>(patchFiles);
        }
        files.addAll(fromPaths(line, baseDir.get()));
        TreeSet<String> names = new TreeSet<>();
        for (Path f : files) {
            names.addAll(patchSymbols(f).complete("", Integer.MAX_VALUE));
        }
        return SymbolIndex.of(names);
    }

    /** A patch library's functions, read again only when the file changes (it is rebuilt between tries). */
    private SymbolIndex patchSymbols(Path file) {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return SymbolIndex.EMPTY;
        }
        PatchIndex cached = patchIndexes.get(file);
        if (cached != null && cached.modified().equals(modified)) {
            return cached.index();
        }
        SymbolIndex idx;
        try {
            List<String> names = new ArrayList<>();
            SymbolIndex.addFunctions(names, ElfImage.read(file).symbols(), demangler);
            idx = SymbolIndex.of(names);
        } catch (RuntimeException e) {
            idx = SymbolIndex.EMPTY; // not an ELF file (yet): nothing to offer
        }
        patchIndexes.put(file, new PatchIndex(modified, idx));
        return idx;
    }

    /** Files and folders from what is typed so far, relative to the session's folder. */
    private void files(String typed, boolean complete, List<Candidate> out) {
        int slash = typed.lastIndexOf('/');
        String dirPart = typed.substring(0, slash + 1);
        String prefix = typed.substring(slash + 1);
        Path dir = dirPart.isEmpty() ? baseDir.get() : baseDir.get().resolve(dirPart);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            List<Path> found = new ArrayList<>();
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (name.startsWith(prefix) && (!name.startsWith(".") || prefix.startsWith("."))) {
                    found.add(e);
                }
            }
            found.sort(null);
            for (Path e : found.subList(0, Math.min(found.size(), MAX))) {
                String name = e.getFileName().toString();
                boolean folder = Files.isDirectory(e);
                // A folder is not the end of the path: no closing quote, no space.
                out.add(new Candidate(dirPart + name + (folder ? "/" : ""), name + (folder ? "/" : ""), null, null, null, null,
                        complete && !folder));
            }
        } catch (IOException | RuntimeException e) {
            // No such folder: nothing to offer.
        }
    }
}
