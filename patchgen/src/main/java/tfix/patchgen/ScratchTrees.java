package tfix.patchgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.stream.Stream;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/**
 * The scratch folder of one build: two copies of --source ({@code old} as it is, {@code new} with the diff), the
 * compiler wrapper, the logs. Deleted at the end, whatever happened (unless asked to keep it), so nothing is left
 * behind.
 */
final class ScratchTrees implements AutoCloseable {
    final Path root;
    final Path old;
    final Path fresh;
    final Path logs;

    private final boolean keep;

    ScratchTrees(Path root, boolean keep) {
        this.root = root;
        this.keep = keep;
        this.old = root.resolve("old");
        this.fresh = root.resolve("new");
        this.logs = root.resolve("logs");
        try {
            deleteTree(root);
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot make the scratch folder " + root + ": " + e.getMessage());
        }
    }

    /** Copies {@code source} to {@code to}, links as links, the VCS folders left out (a build does not read them). */
    static void copy(Path source, Path to) {
        try {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                    if (!dir.equals(source) && (name.equals(".git") || name.equals(".hg") || name.equals(".svn"))) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    Files.createDirectories(to.resolve(source.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.copy(file, to.resolve(source.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                            LinkOption.NOFOLLOW_LINKS);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot copy " + source + " to " + to + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void close() {
        if (keep) {
            return;
        }
        try {
            deleteTree(root);
        } catch (IOException e) {
            throw new TfixException(Reason.IO, "cannot delete the scratch folder " + root + ": " + e.getMessage());
        }
    }
}
