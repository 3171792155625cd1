package tfix.patchgen;

import java.nio.file.Path;
import java.util.List;

/**
 * What `tfix build` made.
 *
 * @param library  the patch library
 * @param runbook  the script that applies it
 * @param report   the report (the --explain text, the compilers, the proof of the binary)
 * @param lines    the summary to print
 * @param explain  per function, why it changed and what it uses
 */
public record BuildResult(Path library, Path runbook, Path report, List<String> lines, List<String> explain) {
}
