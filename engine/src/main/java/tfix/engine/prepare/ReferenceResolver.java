package tfix.engine.prepare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import tfix.engine.elf.LoadedModule;
import tfix.engine.elf.PatchReferences;
import tfix.engine.elf.SymbolDefinitions.Definition;
import tfix.engine.elf.SymbolDefinitions;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Resolves a patch's weak references against the program's full symbol tables (.symtab and .dynsym,
 * functions and data, static and global) as a linker would for a fix made inside the program: first the
 * module of the function being replaced, then the executable, then the other modules in load order (the
 * loader maps each library below the ones before it, so by descending address). Patch libraries are never
 * searched. A name defined at two addresses of one module is ambiguous unless the patch's {@code .tfix.refs}
 * picks the source file. Reads files only: this runs before the patch is loaded.
 */
final class ReferenceResolver {
    private static final String CHOOSE = "name the file in the patch with TFIX_REF_FROM(\"%s\", \"file.c\") from tfix.h";
    private final List<LoadedModule> scopes;
    /** The replaced function's module and the executable: where a stripped file hides what the user meant. */
    private final List<LoadedModule> first;
    private final IfuncReferences ifuncs;

    /**
     * {@code firstModule}: the replaced function's module (the importer, for {@code in:}); {@code executable}: the
     * program's path (/proc/PID/exe), null if unknown; {@code excluded}: patch libraries.
     */
    ReferenceResolver(List<LoadedModule> modules, String firstModule, String executable, Collection<String> excluded) {
        this(modules, firstModule, executable, excluded, null);
    }

    /** {@code ifuncs}: reads which implementation an IFUNC bound to in the process; null refuses IFUNC references. */
    ReferenceResolver(List<LoadedModule> modules, String firstModule, String executable, Collection<String> excluded,
                      IfuncReferences ifuncs) {
        this.ifuncs = ifuncs;
        List<LoadedModule> order = new ArrayList<>();
        modules.stream().filter(m -> m.path().equals(firstModule)).forEach(order::add);
        modules.stream().filter(m -> m.path().equals(executable)).forEach(order::add);
        modules.stream().filter(m -> !order.contains(m))
                .sorted(Comparator.comparingLong((LoadedModule m) -> m.mappings().isEmpty() ? 0 : m.mappings().get(0).start()).reversed())
                .forEach(order::add);
        this.scopes = order.stream().filter(m -> !excluded.contains(m.path()) && !m.isPatchCopy()).distinct().toList();
        this.first = scopes.stream().filter(m -> m.path().equals(firstModule) || m.path().equals(executable)).toList();
    }

    ReferencePlan resolve(PatchReferences refs) {
        List<ReferencePlan.Bound> bound = new ArrayList<>();
        List<ReferencePlan.Problem> problems = new ArrayList<>();
        refs.refused().forEach(r -> problems.add(new ReferencePlan.Problem(Reason.UNSUPPORTED, "the patch uses the weak reference "
                + Printable.of(r) + ", a relocation tfix cannot fill (TLS descriptors, -mtls-dialect=gnu2, included): reach it"
                + " through a function of the program instead, or build the patch with the default TLS dialect")));
        refs.malformed().forEach(m -> problems.add(new ReferencePlan.Problem(Reason.BAD_PATCH_FILE, "the patch's .tfix.refs"
                + " holds '" + Printable.of(m) + "', not 'name file.c': write it with TFIX_REF_FROM(\"name\", \"file.c\")")));
        for (String name : refs.chosen().keySet()) {
            if (refs.references().stream().noneMatch(r -> r.name().equals(name))) {
                problems.add(new ReferencePlan.Problem(Reason.BAD_PATCH_FILE, "the patch's .tfix.refs picks a file for '"
                        + Printable.of(name) + "', which the patch does not use as a weak reference: check the name"));
            }
        }
        for (PatchReferences.Reference r : refs.references()) {
            try {
                bound.add(resolve(r, refs.chosen().get(r.name())));
            } catch (Unbound u) {
                problems.add(u.problem);
            }
        }
        return new ReferencePlan(List.copyOf(bound), List.copyOf(problems));
    }

    private static final class Unbound extends Exception {
        final ReferencePlan.Problem problem;

        Unbound(Reason reason, String text) {
            super(text, null, false, false);
            this.problem = new ReferencePlan.Problem(reason, text);
        }
    }

    private ReferencePlan.Bound resolve(PatchReferences.Reference r, String file) throws Unbound {
        String name = Printable.of(r.name());
        List<String> elsewhere = new ArrayList<>();
        for (LoadedModule m : scopes) {
            List<Definition> defs = m.definitions().named(r.name());
            if (file != null) {
                defs.stream().filter(d -> d.sourceFile() != null).forEach(d -> elsewhere.add(d.sourceFile()));
                defs = defs.stream().filter(d -> d.sourceFile() != null && sameFile(d.sourceFile(), file)).toList();
            }
            if (defs.isEmpty()) {
                continue;
            }
            if (defs.size() > 1) {
                throw new Unbound(Reason.AMBIGUOUS, String.format("the patch's reference '%s' is defined %d times in %s: %s; "
                        + CHOOSE, name, defs.size(), Printable.of(m.path()), defs.stream().map(d -> where(m, d))
                        .collect(Collectors.joining(", ")), name));
            }
            Definition d = defs.get(0);
            boolean tls = d.type() == SymbolDefinitions.STT_TLS;
            if (tls != r.slots().stream().allMatch(s -> PatchReferences.threadLocal(s.type()))) {
                throw new Unbound(Reason.UNSUPPORTED, tls ? String.format("the patch's reference '%s' is a thread-local"
                        + " variable of %s but the patch declares it as an ordinary one (each thread has its own, there is no"
                        + " one address): declare it TFIX_EXTERN(__thread type, %s)", name, Printable.of(m.path()), name)
                        : String.format("the patch declares '%s' thread-local (__thread) but %s defines it as a %s: declare it"
                        + " without __thread", name, Printable.of(m.path()), d.kind()));
            }
            if (tls) {
                return new ReferencePlan.Bound(r.name(), d.value(), d.kind(), m.path(), d.sourceFile(), r.slots(), true);
            }
            if (d.type() == SymbolDefinitions.STT_GNU_IFUNC && ifuncs != null) {
                try {
                    return new ReferencePlan.Bound(r.name(), ifuncs.implementation(m, d), "IFUNC's implementation in this process",
                            m.path(), d.sourceFile(), r.slots(), false);
                } catch (TfixException e) {
                    throw new Unbound(e.reason(), "the patch's reference '" + name + "': " + e.getMessage());
                }
            }
            if (d.type() == SymbolDefinitions.STT_GNU_IFUNC) {
                throw new Unbound(Reason.UNSUPPORTED, String.format("the patch's reference '%s' is an IFUNC of %s (its address"
                        + " is a resolver's): declare the implementation the process uses instead", name, Printable.of(m.path())));
            }
            long address = m.bias() + d.value();
            if (m.image().segments().stream().noneMatch(s -> s.containsVaddr(d.value()))) {
                throw new Unbound(Reason.BAD_PATCH_FILE, String.format("the patch's reference '%s' is defined by %s at %#x,"
                        + " outside the file's loaded segments: the file is damaged; tfix binds nothing there", name,
                        Printable.of(m.path()), d.value()));
            }
            return new ReferencePlan.Bound(r.name(), address, d.kind(), m.path(), d.sourceFile(), r.slots(), false);
        }
        throw notFound(name, file, elsewhere);
    }

    private Unbound notFound(String name, String file, List<String> elsewhere) {
        if (file != null && !elsewhere.isEmpty()) {
            return new Unbound(Reason.NOT_FOUND, String.format("the patch's reference '%s' is not defined in %s (the patch's"
                    + " .tfix.refs names it) but in %s: correct the file name", name, Printable.of(file),
                    elsewhere.stream().distinct().map(Printable::of).collect(Collectors.joining(", "))));
        }
        String stripped = first.stream().filter(m -> m.definitions().stripped())
                .map(m -> Printable.of(m.fileName())).distinct().collect(Collectors.joining(", "));
        return new Unbound(Reason.NOT_FOUND, String.format("the patch's reference '%s'%s is found in no module's symbol table"
                + " (%d files searched)%s: check the name (nm lists a file's symbols; C++ names are mangled) or define it"
                + " in the patch", name, file == null ? "" : " (in " + Printable.of(file) + ")", scopes.size(),
                stripped.isEmpty() ? "" : "; " + stripped + " is stripped, so its static and hidden symbols are unknown"));
    }

    private static String where(LoadedModule m, Definition d) {
        return String.format("%s at %#x (%s)", d.sourceFile() == null ? "a global" : Printable.of(d.sourceFile()),
                m.bias() + d.value(), d.kind());
    }

    /** "scores.c" picks "scores.c" and "src/scores.c": gcc records the name as given on its command line. */
    private static boolean sameFile(String recorded, String chosen) {
        return recorded.equals(chosen) || Path.of(recorded).getFileName().toString().equals(Path.of(chosen).getFileName().toString());
    }
}
