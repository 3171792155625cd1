package tfix.cli.repl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import tfix.dsl.TfixContext;

/** `:load FILE` and `:reload`: a script run inside the session, paths relative to its folder. */
final class MetaCommands {
    private final TfixContext ctx;
    private final Evaluator evaluator;
    private final Console console;
    private Path lastLoaded;

    MetaCommands(TfixContext ctx, Evaluator evaluator, Console console) {
        this.ctx = ctx;
        this.evaluator = evaluator;
        this.console = console;
    }

    /** Runs a line that starts with ':'. */
    void run(String t) {
        String[] parts = t.split("\\s+", 2);
        switch (parts[0]) {
            case ":load" -> {
                if (parts.length < 2) {
                    console.error(":load takes a file: :load fix.tfix.groovy", null);
                    return;
                }
                String arg = parts[1].strip().replaceAll("^['\"]|['\"]$", "");
                load(ctx.baseDir().resolve(arg).toAbsolutePath().normalize());
            }
            case ":reload" -> {
                if (lastLoaded == null) {
                    console.error("nothing loaded yet: use :load FILE first", null);
                } else {
                    load(lastLoaded);
                }
            }
            default -> console.error("unknown command " + parts[0] + ": the commands are :load FILE, :reload, :help, :quit", null);
        }
    }

    private void load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            console.error("cannot read " + file + ": " + e.getMessage(), e);
            return;
        }
        lastLoaded = file;
        Path saved = ctx.baseDir();
        ctx.baseDir(file.getParent());
        try {
            evaluator.execute(text, file.getFileName().toString());
        } finally {
            ctx.baseDir(saved);
        }
    }
}
