package tfix.patchgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Assembles the patch's files and links them into one shared object. Run inside the scratch folder with
 * relative names, so that no path of this machine ends up in the library: the same inputs give the same bytes.
 * -Bsymbolic keeps the patch's calls among its own functions inside it; -z now binds the loader's part at load.
 */
final class PatchLinker {
    static void link(Path dir, List<String> asmFiles, String table, Path library, String cc) {
        try {
            Files.writeString(dir.resolve("tfix-table.s"), table);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot write " + dir + ": " + e.getMessage());
        }
        List<String> all = new ArrayList<>(asmFiles);
        all.add("tfix-table.s");
        List<String> objects = new ArrayList<>();
        for (String s : all) {
            String o = s.replaceAll("\\.s$", ".o");
            ChildRun r = ChildRun.run(dir, Map.of(), dir.resolve(s + ".log"), List.of(cc, "-c", "-o", o, s));
            if (r.exit() != 0) {
                throw new TfixException(Reason.UNSUPPORTED, "the patch's assembler " + s + " does not assemble (a construct"
                        + " tfix build does not re-aim): " + r.tail(2));
            }
            objects.add(o);
        }
        List<String> cmd = new ArrayList<>(List.of(cc, "-shared", "-o", "patch.so", "-Wl,-Bsymbolic", "-Wl,-z,now",
                "-Wl,--build-id"));
        cmd.addAll(objects);
        ChildRun r = ChildRun.run(dir, Map.of(), dir.resolve("link.log"), cmd);
        if (r.exit() != 0) {
            throw new TfixException(Reason.UNSUPPORTED, "the patch does not link: " + r.tail(3));
        }
        try {
            Files.copy(dir.resolve("patch.so"), library, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot write " + library + ": " + e.getMessage());
        }
    }
}
