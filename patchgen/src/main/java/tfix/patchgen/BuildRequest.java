package tfix.patchgen;

import java.nio.file.Path;

/**
 * What `tfix build` is asked: make a patch for {@code binary} from {@code source} and {@code diff}, into {@code out}.
 *
 * @param build   the command that builds the tree (run with CC and CXX set to tfix's recording wrapper)
 * @param strip   patch's -p level, or null to find it as patch would
 * @param cc      the real C compiler the wrapper runs
 * @param cxx     the real C++ compiler the wrapper runs
 * @param keepWork keep the scratch folder (OUT/.work) to look at
 * @param inlinedCallers replace the functions that changed only because a changed inline function of another file
 *                 (a header) is inlined in them; without it they are listed and the build refused
 */
public record BuildRequest(Path source, Path diff, Path binary, Path out, String build, Integer strip, String cc,
                           String cxx, boolean keepWork, boolean inlinedCallers) {
    /** The patch's name: the output folder's. */
    public String name() {
        return out.toAbsolutePath().normalize().getFileName().toString();
    }
}
