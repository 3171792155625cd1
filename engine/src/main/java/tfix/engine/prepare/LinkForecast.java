package tfix.engine.prepare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import tfix.engine.elf.DynamicLinkage;
import tfix.engine.elf.ElfCache;
import tfix.engine.elf.ElfImage;
import tfix.engine.elf.LoadedModule;
import tfix.engine.patch.Check;

/**
 * Predicts, without loading a patch, whether the target's dlopen will find every symbol the patch
 * needs: each non-weak undefined symbol of its .dynsym (with the version it asks for) must be offered by
 * a module the process has loaded or by one of the libraries the patch pulls in (DT_NEEDED, followed as
 * the target would find them: a loaded module by soname, else its run paths, LD_LIBRARY_PATH, ld.so.conf
 * directories and the system directories, all under the target's root). A dry run that says "would be
 * applied" must not be followed by a dlopen that refuses the patch. When a needed library cannot be
 * found the prediction is left to dlopen: the check says so rather than guess.
 */
final class LinkForecast {
    private static final List<String> SYSTEM_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib");
    /** Libraries followed at most: a patch's dependency tree is small; a cycle or a hostile tree stops here. */
    private static final int MAX_LIBRARIES = 256;
    /** Larger "libraries" are not read: a name on a hostile search path may be a device or a huge file. */
    private static final long MAX_LIBRARY_BYTES = 1L << 30;
    private final int pid;
    private final List<LoadedModule> loaded;
    private final ElfCache cache;

    LinkForecast(int pid, List<LoadedModule> loaded, ElfCache cache) {
        this.pid = pid;
        this.loaded = loaded;
        this.cache = cache;
    }

    /** A library to find, with the run paths of the file that needs it and that file's directory ($ORIGIN). */
    private record Wanted(String name, List<String> runPaths, Path origin) {
    }

    Check check(Path patch, ElfImage image) {
        String patchName = patch.getFileName().toString();
        List<DynamicLinkage> scope = new ArrayList<>();
        loaded.forEach(m -> scope.add(m.image().linkage()));
        scope.add(image.linkage());
        List<String> pulledIn = new ArrayList<>();
        List<String> notFound = new ArrayList<>();
        Deque<Wanted> queue = new ArrayDeque<>();
        image.linkage().needed().forEach(n -> queue.add(new Wanted(n, image.linkage().runPaths(), patch.getParent())));
        Set<String> seen = new HashSet<>();
        while (!queue.isEmpty() && seen.size() < MAX_LIBRARIES) {
            Wanted w = queue.poll();
            if (!seen.add(w.name()) || isLoaded(w.name())) {
                continue;
            }
            Optional<ElfImage> lib = find(w);
            if (lib.isEmpty()) {
                notFound.add(w.name());
                continue;
            }
            DynamicLinkage l = lib.get().linkage();
            scope.add(l);
            pulledIn.add(w.name());
            Path origin = lib.get().file().getParent();
            l.needed().forEach(n -> queue.add(new Wanted(n, l.runPaths(), origin)));
        }
        List<DynamicLinkage.Need> needs = image.linkage().needs().stream().filter(n -> !n.weak()).toList();
        List<String> unresolved = needs.stream().filter(n -> scope.stream().noneMatch(l -> l.satisfies(n)))
                .map(DynamicLinkage.Need::describe).toList();
        String from = "the process's modules" + (pulledIn.isEmpty() ? "" : " and " + String.join(", ", pulledIn));
        if (needs.isEmpty()) {
            return Check.pass("symbols", "the loader has no symbol to find for " + patchName
                    + " (it needs none from other modules, weak references aside)");
        }
        if (unresolved.isEmpty()) {
            return Check.pass("symbols", String.format("the %d symbol%s %s needs %s defined by %s", needs.size(),
                    needs.size() == 1 ? "" : "s", patchName, needs.size() == 1 ? "is" : "are all", from));
        }
        if (!notFound.isEmpty()) {
            return Check.pass("symbols", String.format("not predicted: %s needs %s, which is neither loaded in the"
                    + " process nor found on its library path, and %s may come from it; the target's dlopen will decide",
                    patchName, String.join(", ", notFound), String.join(", ", unresolved.subList(0, Math.min(3, unresolved.size())))));
        }
        return Check.fail("symbols", String.format("%s needs %s, which no module of the process%s defines: the"
                + " target's dlopen would refuse it (if the program defines it, even as a static, declare it weak, with"
                + " TFIX_EXTERN from tfix.h, so tfix resolves it from the program's symbol tables; else link the patch"
                + " with the library that defines it)", patchName, String.join(", ", unresolved.subList(0, Math.min(5, unresolved.size())))
                + (unresolved.size() > 5 ? " and " + (unresolved.size() - 5) + " more" : ""),
                pulledIn.isEmpty() ? "" : " nor " + String.join(", ", pulledIn)));
    }

    private boolean isLoaded(String name) {
        return loaded.stream().anyMatch(m -> name.equals(m.image().linkage().soname()) || name.equals(m.fileName())
                || name.equals(m.path()));
    }

    private Optional<ElfImage> find(Wanted w) {
        Path root = Path.of("/proc", Integer.toString(pid), "root");
        if (w.name().contains("/")) {
            return read(root, w.name());
        }
        Set<String> dirs = new LinkedHashSet<>();
        w.runPaths().forEach(d -> dirs.add(d.replace("${ORIGIN}", w.origin().toString()).replace("$ORIGIN", w.origin().toString())));
        dirs.addAll(environment(root));
        dirs.addAll(configuredDirs(root));
        dirs.addAll(SYSTEM_DIRS);
        for (String d : dirs) {
            if (d.startsWith("/")) {
                Optional<ElfImage> img = read(root, d + "/" + w.name());
                if (img.isPresent()) {
                    return img;
                }
            }
        }
        return Optional.empty();
    }

    /** A file as the target sees it (through its root), if it is a regular file of a sane size that parses. */
    private Optional<ElfImage> read(Path root, String absolute) {
        Path f = root.resolve(absolute.substring(1));
        try {
            if (!Files.isRegularFile(f) || Files.size(f) > MAX_LIBRARY_BYTES) {
                return Optional.empty();
            }
            return cache.get(absolute, f, Files.getLastModifiedTime(f).toMillis());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** LD_LIBRARY_PATH of the target, read from its environment at start. */
    private List<String> environment(Path root) {
        try {
            String env = Files.readString(root.getParent().resolve("environ"), StandardCharsets.ISO_8859_1);
            return Stream.of(env.split("\0")).filter(e -> e.startsWith("LD_LIBRARY_PATH="))
                    .flatMap(e -> Stream.of(e.substring("LD_LIBRARY_PATH=".length()).split("[:;]"))).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** Directories ld.so.cache is built from: /etc/ld.so.conf and the files it includes from ld.so.conf.d. */
    private List<String> configuredDirs(Path root) {
        List<String> dirs = new ArrayList<>();
        try (Stream<Path> confs = Files.list(root.resolve("etc/ld.so.conf.d"))) {
            for (Path c : confs.filter(p -> p.toString().endsWith(".conf")).sorted().toList()) {
                Files.readAllLines(c, StandardCharsets.ISO_8859_1).stream().map(String::trim)
                        .filter(l -> l.startsWith("/")).forEach(dirs::add);
            }
        } catch (IOException | RuntimeException e) {
            // No configuration: the system directories remain.
        }
        return dirs;
    }
}
