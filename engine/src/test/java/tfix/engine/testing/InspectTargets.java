package tfix.engine.testing;

import java.nio.file.Path;

/** The targets of the inspection tests (engine and command line). */
public final class InspectTargets {
    public static final int FUNCTIONS = 300;
    public static final int VARIABLES = 40;
    public static final int STATICS = 10;

    private InspectTargets() {
    }

    /** 300 functions, 40 variables, 10 statics, a thread-local and an IFUNC whose names end in Command. */
    public static Path manySymbols() {
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <unistd.h>\n");
        for (int i = 0; i < FUNCTIONS; i++) {
            c.append(String.format("int f%03d_Command(int x) { return x + %d; }%n", i, i));
        }
        for (int i = 0; i < VARIABLES; i++) {
            c.append(String.format("int v%03d_Command = %d;%n", i, i + 1));
        }
        for (int i = 0; i < STATICS; i++) {
            c.append(String.format("static int s%03d_Command = %d;%n", i, i + 1));
        }
        c.append("__thread int tls_Command = 7;\n");
        c.append("static int impl(int x) { return x; }\n");
        c.append("static int (*pick(void))(int) { return impl; }\n");
        c.append("int ifn_Command(int) __attribute__((ifunc(\"pick\")));\n");
        c.append("int main(void) {\n    int sum = tls_Command + ifn_Command(1)");
        for (int i = 0; i < STATICS; i++) {
            c.append(String.format(" + s%03d_Command", i));
        }
        c.append(";\n    printf(\"ready pid=%d\\n\", getpid());\n    printf(\"sum=%d\\n\", sum);\n    fflush(stdout);\n");
        c.append("    for (;;) pause();\n}\n");
        return CTargets.compile("many_symbols.c", c.toString(), "-O0");
    }

    public static Path framePointers() {
        return Targets.exe("backtrace.c", "-fno-omit-frame-pointer");
    }
}
