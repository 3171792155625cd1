package tfix.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * Where tfix.h is, for `gcc -I$(tfix --include-dir)`: the include/ folder of the installation. The launcher
 * says where that is (-Dtfix.home); run from the jar or classes directly, it is found from their place
 * (repl/target/tfix.jar or repl/target/classes, three levels under the installation).
 */
final class IncludeDir {
    private IncludeDir() {
    }

    static Path find() {
        List<Path> homes = homes();
        for (Path home : homes) {
            Path dir = home.resolve("include").toAbsolutePath().normalize();
            if (Files.isRegularFile(dir.resolve("tfix.h"))) {
                return dir;
            }
        }
        throw new TfixException(Reason.NOT_FOUND, "tfix.h is not in an include/ folder of the installation (looked in "
                + homes.stream().map(h -> h.resolve("include").toString()).limit(3).toList() + "): start tfix with its"
                + " launcher, ./tfix, from a complete checkout");
    }

    /** Where the installation may be: tfix.home, then the folders above the code's place. */
    static List<Path> homes() {
        List<Path> homes = new ArrayList<>();
        Optional.ofNullable(System.getProperty("tfix.home")).ifPresent(h -> homes.add(Path.of(h)));
        try {
            Path code = Path.of(IncludeDir.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null && homes.size() < 8; p = p.getParent()) {
                homes.add(p);
            }
        } catch (URISyntaxException | RuntimeException e) {
            // No code location (an unusual class loader): only tfix.home is looked at.
        }
        return homes;
    }
}
