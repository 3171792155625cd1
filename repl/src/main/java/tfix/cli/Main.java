package tfix.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import tfix.cli.fleet.FleetOptions;
import tfix.cli.fleet.FleetRun;
import tfix.dsl.ScriptCache;
import tfix.dsl.ScriptRunner;
import tfix.dsl.TfixContext;
import tfix.engine.Options;

/** The tfix command line. */
@Command(name = "tfix", mixinStandardHelpOptions = true, version = "tfix 0.1.0",
        description = "Replace functions in running Linux processes, verify them, and undo them.")
public final class Main implements Callable<Integer> {
    /** The commands, in the order help lists them; see {@link #commandLine(String...)}. */
    private static final List<Class<?>> COMMANDS = List.of(Main.Run.class, Main.Exec.class, Main.Status.class,
            Main.Revert.class, Main.Verify.class, LogCommand.class, StoreCommand.class, AgentCommand.class, DemoCommand.class,
            tfix.cli.watch.WatchCommand.class, ReplCommand.class, tfix.cli.bench.BenchCommand.class,
            tfix.cli.service.ServiceCommand.class, BuildCommand.class, RestartCommand.class);

    static final class Common {
        @Option(names = "--debug", description = "Print stack traces for errors.")
        boolean debug;

        @Option(names = "--call-timeout", description = "Seconds a remote call (dlopen) may take (default ${DEFAULT-VALUE}).",
                defaultValue = "10")
        long callTimeout;

        @Option(names = "--thread-timeout", description = "Milliseconds to wait for threads to leave a patch site (default ${DEFAULT-VALUE}).",
                defaultValue = "2000")
        long threadTimeout;

        @Option(names = "--lock-timeout", description = "Seconds to wait while another tfix (a REPL running a"
                + " statement) holds the process (default ${DEFAULT-VALUE}).", defaultValue = "30")
        long lockTimeout;

        @Option(names = Priority.FLAG, description = "Keep the scheduling priority tfix was started with (also"
                + " TFIX_NO_PRIORITY=1); by default, as root on a saturated host, tfix raises itself (up to nice -19) so the"
                + " host's load does not slow it; TFIX_PRIORITY=N sets the level.")
        boolean noPriority;

        /** The command using these options, named to a tfix that waits for this one. */
        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec command;

        Options options() {
            return new Options(java.time.Duration.ofSeconds(callTimeout), java.time.Duration.ofMillis(threadTimeout),
                    java.time.Duration.ofSeconds(lockTimeout), command == null ? "tfix" : "tfix " + command.name());
        }
    }

    @Option(names = "--service", description = "Run the command in the resident tfix service (tfix service), started if"
            + " not running; without it the launcher uses a running service when it can (TFIX_SERVICE=auto starts one).")
    boolean service; // handled in main(), before the command line is parsed

    @Option(names = "--include-dir", description = "Print the folder holding tfix.h, the header for patches that use the"
            + " program's own functions and variables: gcc -shared -fPIC -I\"$(tfix --include-dir)\" ...")
    boolean includeDir;

    @Override
    public Integer call() {
        if (includeDir) {
            return Cli.guard(false, () -> System.out.println(IncludeDir.find()));
        }
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** run and exec: a script over one context, `pid` bound from --pid. */
    abstract static class ScriptCommand implements Callable<Integer> {
        @Option(names = "--pid", description = "Bound as `pid` in the script.")
        Integer pid;

        @CommandLine.Mixin
        Common common;

        @Option(names = "--dry-run", description = "Print the plan of every replace (bytes, disassembly, checks) and change nothing.")
        boolean dryRun;

        @CommandLine.Mixin
        FleetOptions fleet;

        abstract void run(ScriptRunner runner, Map<String, Object> variables);

        /** The script compiled once, for every process of --all; and the folder its paths resolve against. */
        abstract ScriptRunner.Compiled compile();

        abstract Path baseDir();

        private String name() {
            return this instanceof Run ? "run" : "exec";
        }

        @Override
        public Integer call() {
            if (fleet.active()) {
                return FleetRun.execute(new FleetRun.Request(name(), pid, common.options(), common.debug, dryRun, baseDir(),
                        Map.of(), this::compile), fleet);
            }
            return Cli.guard(common.debug, () -> {
                try (TfixContext ctx = new TfixContext(CommandScope.engine(), common.options(), System.out,
                        CommandScope.cwd(), dryRun)) {
                    if (CommandScope.inService()) { // the compiled script is kept: a warm run does not compile
                        ScriptRunner.Compiled compiled = compile();
                        ctx.baseDir(baseDir());
                        new ScriptRunner(ctx).runCompiled(compiled, Cli.pidBinding(pid));
                    } else {
                        run(new ScriptRunner(ctx).caching(ScriptCache.standard()), Cli.pidBinding(pid));
                    }
                }
            });
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run a .tfix.groovy script; `pid` is bound in it, paths resolve against its folder.")
    static final class Run extends ScriptCommand {
        @Parameters(paramLabel = "SCRIPT")
        Path script;

        @Override
        void run(ScriptRunner runner, Map<String, Object> variables) {
            runner.runFile(script, variables);
        }

        @Override
        ScriptRunner.Compiled compile() {
            return CommandScope.compile(ScriptRunner.readScript(CommandScope.resolve(script)), script.getFileName().toString());
        }

        @Override
        Path baseDir() {
            return CommandScope.resolve(script).toAbsolutePath().getParent();
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true, description = "Run DSL statements given on the command line, separated by ';'.")
    static final class Exec extends ScriptCommand {
        @Parameters(paramLabel = "STATEMENTS")
        String text;

        @Override
        void run(ScriptRunner runner, Map<String, Object> variables) {
            runner.runText(text, variables);
        }

        @Override
        ScriptRunner.Compiled compile() {
            return CommandScope.compile(text, "exec");
        }

        @Override
        Path baseDir() {
            return CommandScope.cwd();
        }
    }

    /** status, verify and revert: the command's own short script over the process given by --pid. */
    abstract static class PidCommand implements Callable<Integer> {
        @Option(names = "--pid", description = "The process; or --all PATH for every process of a program or library.")
        Integer pid;

        @CommandLine.Mixin
        Common common;

        @CommandLine.Mixin
        FleetOptions fleet;

        private final String name;

        PidCommand(String name) {
            this.name = name;
        }

        /** The script; {@code vars} holds `pid` and takes what else it needs. */
        abstract String script(Map<String, Object> vars);

        /** The same statements called directly, for one process: no Groovy to load or compile. */
        abstract void direct(TfixContext ctx);

        @Override
        public Integer call() {
            Map<String, Object> vars = new HashMap<>();
            String text = script(vars);
            if (fleet.active() || pid == null) {
                return FleetRun.execute(new FleetRun.Request(name, pid, common.options(), common.debug, false,
                        CommandScope.cwd(), vars, () -> CommandScope.compile(text, name)), fleet);
            }
            LookRun.Steps look = look();
            return look != null ? LookRun.run(common, pid, look, this::direct) : DirectRun.run(common, pid, this::direct);
        }

        /** The same read without attaching, for a command that changes nothing; null to attach. */
        LookRun.Steps look() {
            return null;
        }
    }

    @Command(name = "revert", mixinStandardHelpOptions = true,
            description = "Undo replacements in a process: the functions named, a transaction, or every patch in force.")
    static final class Revert extends PidCommand {
        @Option(names = "--transaction", description = "Undo every patch of this transaction (status shows the numbers).")
        Integer transaction;

        @Parameters(paramLabel = "FUNCTION", arity = "0..*", description = "Functions to put back; none means all.")
        List<String> functions = new ArrayList<>();

        Revert() {
            super("revert");
        }

        @Override
        String script(Map<String, Object> vars) {
            // Names travel as variables, never as script text: a quote in a name cannot break anything.
            StringBuilder script = new StringBuilder("attach pid\n");
            if (transaction != null) {
                vars.put("tx", transaction);
                script.append("revert transaction: tx\n");
            }
            for (int i = 0; i < functions.size(); i++) {
                vars.put("f" + i, functions.get(i));
                script.append("revert f").append(i).append('\n');
            }
            if (transaction == null && functions.isEmpty()) {
                script.append("revert()\n");
            }
            return script.append("status\ndetach\n").toString();
        }

        @Override
        void direct(TfixContext ctx) {
            if (transaction != null) {
                ctx.revertTransaction(transaction);
            }
            functions.forEach(ctx::revert);
            if (transaction == null && functions.isEmpty()) {
                ctx.revertAll();
            }
            ctx.status();
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Read every patched site of a process back and compare it with the record; exit 1 if one differs.")
    static final class Verify extends PidCommand {
        Verify() {
            super("verify");
        }

        @Override
        String script(Map<String, Object> vars) {
            return "attach pid; verify; detach";
        }

        @Override
        void direct(TfixContext ctx) {
            ctx.verify();
        }

        @Override
        LookRun.Steps look() {
            return LookRun::verify;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "List the patches in force in a process (--pid), in every process of a program or library"
            + " (--all PATH), or with neither in every process on this host; read from the processes themselves.")
    static final class Status extends PidCommand {
        Status() {
            super("status");
        }

        @Override
        String script(Map<String, Object> vars) {
            return "attach pid; status; detach";
        }

        @Override
        void direct(TfixContext ctx) {
            ctx.status();
        }

        @Override
        LookRun.Steps look() {
            return LookRun::status;
        }
    }

    public static void main(String[] args) {
        // Else picocli loads and initialises Groovy's Closure (and its runtime) just to look for closures in annotations.
        System.setProperty("picocli.disable.closures", "true");
        if (args.length > 0 && args[0].equals("--service")) {
            System.exit(tfix.cli.service.ServiceClient.demanded(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        CommandLine cl = commandLine(args);
        cl.setExecutionStrategy(Priority::execute);
        int code = cl.execute(args);
        System.out.flush();
        System.exit(code);
    }

    /** The command line with every command: for help, and for a line that names none of them first. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args} with tfix's handling of bad options; the service runs each client's command
     * through one. When the first word names a command, only that command is built: picocli reflects over every
     * command's options when it is added (its classes cannot be in the class-data sharing archive either, being
     * compiled for Java 5), about half of a cold `status`. The line then parses exactly as with all of them, since
     * tfix's own options come before the command's name.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> named = args.length == 0 ? null : COMMANDS.stream()
                .filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst().orElse(null);
        for (Class<?> c : named != null ? List.of(named) : COMMANDS) {
            cl.addSubcommand(c);
        }
        cl.setParameterExceptionHandler((ex, a) -> {
            String hint = "";
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
            }
            System.err.println("tfix: " + ex.getMessage().lines().findFirst().orElse("") + hint + " (see tfix --help)");
            return 2;
        });
        return cl;
    }
}
