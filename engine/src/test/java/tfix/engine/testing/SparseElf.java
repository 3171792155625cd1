package tfix.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Makes a real executable bigger than 2 GiB that takes no disk: a copy of a small gcc-built binary whose
 * symbol table, string table and section headers are moved past {@code offset} (a sparse hole in between),
 * as a build with gigabytes of debug information lays them out. The program headers are untouched, so the
 * kernel runs it as before.
 */
public final class SparseElf {
    private static final int SHT_SYMTAB = 2;

    private SparseElf() {
    }

    public static Path grow(Path small, Path out, long offset) {
        try {
            Files.copy(small, out, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer eh = read(ch, 0, 64);
                long shoff = eh.getLong(0x28);
                int count = eh.getShort(0x3c) & 0xffff;
                ByteBuffer table = read(ch, shoff, count * 64);
                long at = offset;
                for (int i = 0; i < count; i++) {
                    if (table.getInt(i * 64 + 4) == SHT_SYMTAB) {
                        at = move(ch, table, i, at);
                        at = move(ch, table, table.getInt(i * 64 + 0x28), at); // sh_link: its string table
                    }
                }
                ch.write(table.rewind(), at);
                eh.putLong(0x28, at);
                ch.write(eh.rewind(), 0);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies section {@code i}'s bytes to {@code at}, points its header there, returns the next free offset. */
    private static long move(FileChannel ch, ByteBuffer table, int i, long at) throws IOException {
        long off = table.getLong(i * 64 + 0x18);
        long size = table.getLong(i * 64 + 0x20);
        ch.write(read(ch, off, (int) size), at);
        table.putLong(i * 64 + 0x18, at);
        return (at + size + 7) & ~7L;
    }

    private static ByteBuffer read(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
            // read until full
        }
        return b.flip();
    }
}
