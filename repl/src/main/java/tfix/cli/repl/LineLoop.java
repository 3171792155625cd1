package tfix.cli.repl;

import java.util.List;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.UserInterruptException;

/** Reads input until Ctrl-D or `exit`: help, `:` commands, and Groovy for the evaluator. */
final class LineLoop {
    private final LineReader reader;
    private final Prompt prompt;
    private final Evaluator evaluator;
    private final MetaCommands commands;
    private final Console console;

    LineLoop(LineReader reader, Prompt prompt, Evaluator evaluator, MetaCommands commands, Console console) {
        this.reader = reader;
        this.prompt = prompt;
        this.evaluator = evaluator;
        this.commands = commands;
        this.console = console;
    }

    void run() {
        while (true) {
            String input;
            try {
                input = reader.readLine(prompt.text());
            } catch (UserInterruptException e) {
                continue; // Ctrl-C at the prompt: the line is dropped, the session goes on.
            } catch (EndOfFileException e) {
                return; // Ctrl-D
            }
            String t = input.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (List.of("exit", "quit", ":exit", ":quit", ":q").contains(t)) {
                return;
            }
            if (t.equals("help") || t.startsWith("help ") || t.equals(":help")) {
                console.out().println(Help.answer(t.equals(":help") ? "help" : t));
                continue;
            }
            if (t.startsWith(":")) {
                commands.run(t);
            } else {
                evaluator.execute(input, Evaluator.NAME);
            }
            prompt.refresh();
            try {
                prompt.context().release(); // other tfix runs may work on the process until the next statement
            } catch (RuntimeException e) {
                console.error(e.getMessage(), e); // the session is let go all the same
            }
        }
    }
}
