package tfix.dsl;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import tfix.engine.Engine;
import tfix.engine.Options;
import tfix.engine.Results;
import tfix.engine.TfixSession;
import tfix.engine.Via;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.patch.FixTable;
import tfix.engine.patch.ReplaceSpec;
import tfix.engine.patch.SitePlan;
import tfix.engine.process.ImageStamp;
import tfix.engine.process.TargetProcess;
import tfix.engine.record.AppliedPatch;

/**
 * The state behind a script or a REPL: the engine, the attached process, where output
 * goes and where relative paths start. Every DSL verb is one call here, one engine call.
 */
public final class TfixContext implements AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
    private final Engine engine;
    private final Options options;
    private final PrintStream out;
    private Path baseDir;
    private TfixSession session;
    private final boolean dryRun;
    /** A replace chain not finished (no `from`): nothing would happen, so it is an error. */
    private String unfinished;
    /** Functions this run replaced and has not reverted: told when a later statement fails. */
    private final LinkedHashSet<String> replacedThisRun = new LinkedHashSet<>();
    /** Replacements gathered by a transaction or plan block, instead of applied one by one. */
    private List<ReplaceSpec> collecting;
    /** Told every result as a value; prints nothing. */
    private ResultListener listener = ResultListener.NONE;
    /** The route the script asked for, kept for a shared process attached again between statements. */
    private Via via = Via.AUTO;
    /** The route of an `attach pid` that names none: AUTO, or AGENT_FIRST in a fleet. */
    private Via defaultVia = Via.AUTO;
    /** Where a session's warnings go; null: the session's default (standard error). */
    private java.util.function.Consumer<String> warnings;
    /** The REPL's way: the process is let go between statements ({@link #release}) and taken again by the next one. */
    private boolean shared;
    /** The process released between statements, still this context's to work on; null when none. */
    private Integer released;
    /** `safety 'stack'` given: set again on every session of a shared process. */
    private boolean stackCheck;
    /** The program image of the released process: a later statement must find the same one, not a new program. */
    private Optional<ImageStamp> releasedImage = Optional.empty();

    public TfixContext(Engine engine, Options options, PrintStream out, Path baseDir) {
        this(engine, options, out, baseDir, false);
    }

    /** {@code dryRun}: replace and revert only print what they would do; the target is never changed. */
    public TfixContext(Engine engine, Options options, PrintStream out, Path baseDir, boolean dryRun) {
        this.engine = engine;
        this.options = options;
        this.out = out;
        this.baseDir = baseDir;
        this.dryRun = dryRun;
    }

    /** Where the warnings of sessions attached from now on go (a fleet keeps each process's text together). */
    public void warnings(java.util.function.Consumer<String> sink) {
        this.warnings = sink;
    }

    /** Where results go as values (tfix --json, fleets), besides the text printed. */
    public void listener(ResultListener l) {
        this.listener = l == null ? ResultListener.NONE : l;
    }

    public boolean dryRun() {
        return dryRun;
    }

    void unfinished(String what) {
        unfinished = what;
    }

    void finished() {
        unfinished = null;
    }

    /** Fails on a replace chain left without `from`, which would otherwise silently do nothing. */
    public void checkFinished() {
        if (unfinished != null) {
            String what = unfinished;
            unfinished = null;
            throw new TfixException(Reason.BAD_INPUT, what + " is incomplete: write replace 'old' with 'new' from 'patch.so'");
        }
    }

    /** What this run replaced and left in force, for the line that reports a failure. */
    public Set<String> replacedThisRun() {
        return Collections.unmodifiableSet(replacedThisRun);
    }

    public PrintStream out() {
        return out;
    }

    public Path baseDir() {
        return baseDir;
    }

    public void baseDir(Path dir) {
        this.baseDir = dir;
    }

    public Path resolve(String path) {
        return baseDir.resolve(path).normalize();
    }

    public TfixSession session() {
        if ((session == null || !session.attached()) && released != null) {
            retake();
        }
        if (session == null || !session.attached()) {
            throw new TfixException(Reason.NOT_ATTACHED, "not attached to a process: start with `attach PID`");
        }
        return session;
    }

    /** Attached, or holding a process released between statements (the next statement attaches again). */
    public boolean attached() {
        return (session != null && session.attached()) || released != null;
    }

    /** Whether a session holds the process now (a shared process is let go between statements). */
    public boolean holding() {
        return session != null && session.attached();
    }

    /** Takes a session attached elsewhere ({@code tfix watch}: held at its entry); the script's `attach pid` then keeps it. */
    public void adopt(TfixSession attached) {
        close();
        session = attached;
    }

    /** The process this context works on (attached or released between statements); 0 when none. */
    public int pid() {
        return session != null && session.attached() ? session.pid() : released != null ? released : 0;
    }

    /**
     * Lets the process go between statements, so that other tfix runs (a status from another terminal, a fleet)
     * can work on it: {@link #release} detaches and the next statement that needs the process attaches again,
     * quietly, with the same settings. The parsed ELF files stay in the engine, so attaching again reads only the
     * maps and the record. The REPL does this.
     */
    public void shareProcess(boolean on) {
        this.shared = on;
    }

    /** Between statements of a shared process: detaches, keeping the pid for the next statement. */
    public void release() {
        if (shared && session != null && session.attached() && collecting == null) {
            int pid = session.pid();
            releasedImage = ImageStamp.read(pid);
            session.detach();
            session = null;
            released = pid;
        }
    }

    /** Asks the operation in progress to stop waiting; nothing happens when the process is released meanwhile. */
    public void cancel() {
        TfixSession s = session;
        if (s != null && s.attached()) {
            s.cancel();
        }
    }

    private void retake() {
        int pid = released;
        try {
            session = TfixSession.attach(pid, engine, options.heldAs("tfix repl"), out::println, via);
        } catch (TfixException e) {
            if (e.reason() == Reason.PROCESS_GONE) {
                released = null; // nothing left to come back to
            }
            throw e;
        }
        released = null;
        Optional<ImageStamp> now = ImageStamp.read(pid);
        if (releasedImage.isPresent() && now.isPresent() && !releasedImage.equals(now)) {
            // The pid now names another program (an execve, or a new process given the same pid).
            session.detach();
            session = null;
            throw new TfixException(Reason.PROCESS_GONE, "process " + pid + " runs another program than the one this"
                    + " session attached to (it exited or called execve since the last statement): nothing was done;"
                    + " attach again to work on it");
        }
        if (stackCheck) {
            session.stackCheck(true);
        }
        if (warnings != null) {
            session.onWarning(warnings);
        }
    }

    public TfixSession attach(int pid) {
        return attach(pid, defaultVia);
    }

    /** The route taken by an `attach` that names none (a fleet prefers a process's agent). */
    public void defaultVia(Via via) {
        this.defaultVia = via;
    }

    /** Attaches by the route asked for; the line printed says which route runs. */
    public TfixSession attach(int pid, Via via) {
        if (attached()) {
            if (pid() == pid) {
                out.println("already attached to process " + pid);
                return session();
            }
            detach();
        }
        long t0 = System.nanoTime();
        session = TfixSession.attach(pid, engine, shared ? options.heldAs("tfix repl") : options, out::println, via);
        this.via = via;
        stackCheck = false;
        if (warnings != null) {
            session.onWarning(warnings);
        }
        int threads = session.threadCount();
        out.printf("attached to process %d (%s), %d thread%s, in %.1f ms via %s; the process keeps running%n", pid,
                Printable.of(new TargetProcess(pid).commandName()), threads, threads == 1 ? "" : "s",
                (System.nanoTime() - t0) / 1e6, session.route());
        listener.attached(pid, session.route());
        return session;
    }

    public Object replace(String oldName, String library, String newName, String patchPath, String sha256) {
        return replace(new ReplaceSpec(oldName, library, newName, resolve(patchPath), sha256));
    }

    public Object replace(ReplaceSpec spec) {
        if (collecting != null) {
            collecting.add(spec);
            return spec;
        }
        if (dryRun) {
            return printPlans(List.of(spec));
        }
        Results.Replaced r = session().replace(spec);
        replacedThisRun.add(r.plan().function());
        out.println(r);
        listener.replaced(r);
        return r;
    }

    /** Runs {@code body} gathering its replacements, then applies them in one stop, all or nothing. */
    public List<Results.Replaced> transaction(Runnable body) {
        List<ReplaceSpec> specs = collect(body);
        if (dryRun) {
            printPlans(specs);
            return List.of();
        }
        List<Results.Replaced> done = session().transaction(specs);
        done.forEach(r -> replacedThisRun.add(r.plan().function()));
        done.forEach(out::println);
        done.forEach(listener::replaced);
        return done;
    }

    /**
     * Applies the fix table a patch carries as one transaction (or prints its plans on a dry run or
     * inside a plan block); inside a transaction block its entries join that transaction.
     */
    public Object applyTable(String patchPath, String sha256) {
        FixTable table = session().fixTable(resolve(patchPath));
        // The user's pin, if any, else the digest of the bytes the table was read from.
        List<ReplaceSpec> specs = table.replacements().stream().map(e -> e.spec().fromFixTable(e.number(),
                sha256 != null ? sha256 : e.spec().sha256())).toList();
        out.printf("%s carries %d replacement%s%s%n", Printable.of(patchPath), specs.size(), specs.size() == 1 ? "" : "s",
                table.pins().isEmpty() ? "" : " (build-id pins checked: " + table.pins().size() + ")");
        if (collecting != null) {
            collecting.addAll(specs);
            return specs;
        }
        if (dryRun) {
            return printPlans(specs);
        }
        List<Results.Replaced> done = session().transaction(specs);
        done.forEach(r -> replacedThisRun.add(r.plan().function()));
        done.forEach(out::println);
        done.forEach(listener::replaced);
        return done;
    }

    /** Runs {@code body} gathering its replacements, then prints their plans; changes nothing. */
    public List<SitePlan> plan(Runnable body) {
        return printPlans(collect(body));
    }

    private List<ReplaceSpec> collect(Runnable body) {
        if (collecting != null) {
            throw new TfixException(Reason.BAD_INPUT, "transaction and plan blocks do not nest");
        }
        session();
        collecting = new ArrayList<>();
        try {
            body.run();
            return collecting;
        } finally {
            collecting = null;
        }
    }

    private List<SitePlan> printPlans(List<ReplaceSpec> specs) {
        List<SitePlan> plans = session().plan(specs);
        out.printf("plan for process %d (nothing is changed):%n", session.pid());
        for (SitePlan p : plans) {
            out.print(session.describe(p));
            out.println(p.ok() ? "  => would be applied" : "  => would be REFUSED");
        }
        List<String> refused = plans.stream().filter(p -> !p.ok()).map(SitePlan::function).toList();
        if (!refused.isEmpty() && dryRun) {
            throw new TfixException(Reason.UNSAFE_SITE, "the plan would be refused for " + String.join(", ", refused) + " (see the checks above)");
        }
        return plans;
    }

    public void safety(String level) {
        switch (level) {
            case "stack" -> session().stackCheck(stackCheck = true);
            case "default", "none" -> session().stackCheck(stackCheck = false);
            default -> throw new TfixException(Reason.BAD_INPUT, "unknown safety level '" + level + "': use 'stack' or 'default'");
        }
        out.println("safety: " + (level.equals("stack") ? "refuse while a thread has the old function on its stack" : "default checks"));
    }

    public void expectBuildId(String library, String buildId) {
        session().expectBuildId(library, buildId);
        out.println("build-id of " + (library == null ? "the executable" : library) + " is " + buildId + ": as expected");
    }

    public Results.Reverted revertTransaction(int tx) {
        if (dryRun) {
            out.println("would revert transaction " + tx + " (dry run: nothing changed)");
            return null;
        }
        if (collecting != null) {
            throw new TfixException(Reason.BAD_INPUT, "revert cannot be part of a transaction or plan block yet: revert before the block");
        }
        Results.Reverted r = session().revertTransaction(tx);
        r.patches().forEach(p -> replacedThisRun.remove(p.function()));
        out.println(r);
        listener.reverted(r);
        return r;
    }

    /** Inspection output (symbols, maps, threads...): names from the target, each line printed escaped. */
    public List<String> print(List<String> lines) {
        lines.forEach(l -> out.println(Printable.of(l)));
        return lines;
    }

    public List<Results.Verified> verify() {
        List<Results.Verified> v = session().verify();
        printVerified(out, v);
        listener.verified(v);
        return failIfBad(v);
    }

    /** Verify as tfix prints it, however the sites were read back. */
    public static void printVerified(PrintStream out, List<Results.Verified> v) {
        if (v.isEmpty()) {
            out.println("verify: no patches in force");
        }
        v.forEach(out::println);
    }

    /** Verify's failure when a site differs from the record. */
    public static List<Results.Verified> failIfBad(List<Results.Verified> v) {
        List<Results.Verified> bad = v.stream().filter(x -> !x.ok()).toList();
        if (!bad.isEmpty()) {
            throw new TfixException(Reason.VERIFY_FAILED, "verify failed for " + bad.size() + " site(s): "
                    + bad.stream().map(b -> b.patch().function()).toList() + "; someone changed the patched code");
        }
        return v;
    }

    public List<AppliedPatch> status() {
        List<AppliedPatch> s = session().status();
        printStatus(out, session.pid(), s);
        listener.listed(session.pid(), s);
        return s;
    }

    /** Status as tfix prints it, for one process's patches in force however they were read. */
    public static void printStatus(PrintStream out, int pid, List<AppliedPatch> s) {
        out.printf("process %d: %d patch%s in force%n", pid, s.size(), s.size() == 1 ? "" : "es");
        for (AppliedPatch p : s) {
            out.printf("  #%d %s -> %s (%s) at %#x, since %s%s%n", p.id(), Printable.of(p.label()),
                    Printable.of(p.targetName()), Printable.of(p.patchLibraryName()),
                    p.site(), TIME.format(Instant.ofEpochMilli(p.appliedAt())),
                    (p.transaction() > 0 ? ", transaction " + p.transaction() : "")
                            + (p.trampoline() != 0 ? String.format(", through a trampoline at %#x", p.trampoline()) : "")
                            + (p.copy() != 0 ? String.format(", original copy at %#x", p.copy()) : "")
                            + (p.fixEntry() != 0 ? ", fix table entry " + p.fixEntry() : ""));
        }
        Results.callerSummaries(s).forEach(line -> out.println("  " + line));
    }

    public Results.Reverted revert(String function) {
        if (dryRun) {
            out.println("would revert " + function + " (dry run: nothing changed)");
            return null;
        }
        if (collecting != null) {
            throw new TfixException(Reason.BAD_INPUT, "revert cannot be part of a transaction or plan block yet: revert before the block");
        }
        Results.Reverted r = session().revert(function);
        r.patches().forEach(p -> replacedThisRun.remove(p.function()));
        out.println(r);
        listener.reverted(r);
        return r;
    }

    public Results.Reverted revertAll() {
        if (dryRun) {
            out.println("would revert every patch (dry run: nothing changed)");
            return null;
        }
        if (collecting != null) {
            throw new TfixException(Reason.BAD_INPUT, "revert cannot be part of a transaction or plan block yet: revert before the block");
        }
        Results.Reverted r = session().revertAll();
        replacedThisRun.clear();
        out.println(r);
        listener.reverted(r);
        return r;
    }

    public void detach() {
        if (attached()) {
            int pid = pid();
            if (session != null) {
                session.detach();
            }
            out.println("detached from process " + pid);
        }
        session = null;
        released = null;
    }

    /** Always detaches: the target is never left traced when a script ends or fails. */
    @Override
    public void close() {
        if (session != null || released != null) {
            try {
                detach();
            } finally {
                session = null;
                released = null;
            }
        }
    }
}
