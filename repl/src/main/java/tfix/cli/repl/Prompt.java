package tfix.cli.repl;

import java.util.List;

import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import tfix.dsl.TfixContext;
import tfix.engine.TfixSession;
import tfix.engine.elf.ProcessSymbols;
import tfix.engine.record.AppliedPatch;

/** The prompt (the pid and the number of patches in force) and what completion knows, refreshed after each command. */
final class Prompt {
    private static final String DOT = "\u00b7";
    private final TfixContext ctx;
    private final ReplCompleter completer;
    private final Terminal terminal;
    private final String dot;
    private String text = "tfix> ";

    Prompt(TfixContext ctx, ReplCompleter completer, Terminal terminal) {
        this.ctx = ctx;
        this.completer = completer;
        this.terminal = terminal;
        this.dot = terminal.encoding().newEncoder().canEncode(DOT) ? DOT : ":";
    }

    TfixContext context() {
        return ctx;
    }

    String text() {
        return text;
    }

    /** After each command (never per keystroke): the prompt's pid and patch count, and what completion knows. */
    void refresh() {
        ProcessSymbols symbols = null;
        List<AppliedPatch> inForce = List.of();
        String count = "?";
        if (ctx.attached() && !ctx.holding()) {
            // Released between statements and not taken again by this one (x = 1): what was shown still holds.
            return;
        }
        if (ctx.attached()) {
            try {
                TfixSession s = ctx.session();
                symbols = s.symbols();
                inForce = s.status();
                count = Integer.toString(inForce.size());
            } catch (RuntimeException e) {
                // The process may have exited: the prompt shows '?' and the next command says why.
            }
            text = new AttributedString("tfix[" + ctx.pid() + " " + dot + count + "]> ", AttributedStyle.BOLD)
                    .toAnsi(terminal);
        } else {
            text = new AttributedString("tfix> ", AttributedStyle.BOLD).toAnsi(terminal);
        }
        completer.update(symbols, inForce.stream().map(AppliedPatch::function).toList(),
                inForce.stream().map(AppliedPatch::patchFile).toList());
    }
}
