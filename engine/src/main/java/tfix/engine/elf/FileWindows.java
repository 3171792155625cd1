package tfix.engine.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import net.fornwall.jelf.BackingFile;
import net.fornwall.jelf.ElfException;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.sys.RegularFiles;

/**
 * A file mapped read-only, in windows because a ByteBuffer is int-indexed: reading a part of it brings only
 * those pages into memory, so a build with gigabytes of debug information costs what is looked up, not its
 * size. The mappings outlive the open file, so later reads need no path that may be gone (the map_files
 * entry of a process that exited, a library deleted on disk).
 */
final class FileWindows {
    /** At most 1 GiB per window: well inside a ByteBuffer's int index. */
    static final long WINDOW = 1L << 30;
    private final Path file;
    private final long size;
    private final long window;
    private final ByteBuffer[] windows;

    private FileWindows(Path file, long size, long window, ByteBuffer[] windows) {
        this.file = file;
        this.size = size;
        this.window = window;
        this.windows = windows;
    }

    static FileWindows map(Path file) throws IOException {
        return map(file, WINDOW);
    }

    /** Maps every window now (address space only, no memory), then closes the file. */
    static FileWindows map(Path file, long window) throws IOException {
        // A path from a target's maps may name a FIFO or a device by now: only a regular file is opened.
        try (FileChannel ch = RegularFiles.open(file, Long.MAX_VALUE, true)) {
            long size = ch.size();
            int n = (int) ((size + window - 1) / window);
            MappedByteBuffer[] windows = new MappedByteBuffer[n];
            for (int i = 0; i < n; i++) {
                long start = i * window;
                windows[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(window, size - start));
            }
            return new FileWindows(file, size, window, windows);
        }
    }

    /** Bytes held in memory (a file decompressed by tfix), read as a file named {@code name}. */
    static FileWindows of(Path name, byte[] bytes) {
        return new FileWindows(name, bytes.length, WINDOW, new ByteBuffer[] {ByteBuffer.wrap(bytes).asReadOnlyBuffer()});
    }

    long size() {
        return size;
    }

    /** Copies {@code length} bytes at {@code offset} into {@code dst} at {@code at}; the range must be inside the file. */
    void read(long offset, byte[] dst, int at, int length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new TfixException(Reason.IO, String.format("%s ends before offset %#x + %d", file, offset, length));
        }
        try {
            while (length > 0) {
                int w = (int) (offset / window);
                int in = (int) (offset % window);
                int n = (int) Math.min(length, window - in);
                windows[w].get(in, dst, at, n);
                offset += n;
                at += n;
                length -= n;
            }
        } catch (InternalError e) {
            throw changed();
        }
    }

    private byte byteAt(long offset) {
        try {
            return windows[(int) (offset / window)].get((int) (offset % window));
        } catch (InternalError e) {
            throw changed();
        }
    }

    private TfixException changed() {
        // The JVM turns a SIGBUS on a mapped page into an InternalError: the file shrank under us.
        return new TfixException(Reason.IO, file + " changed while tfix read it (truncated on disk?): run the command again");
    }

    byte[] bytes(long offset, int length) {
        byte[] b = new byte[length];
        read(offset, b, 0, length);
        return b;
    }

    /** A reading position over the windows, for jelf; each parser gets its own. */
    BackingFile cursor() {
        return new BackingFile() {
            private long position;

            @Override
            public void seek(long offset) {
                position = offset;
            }

            @Override
            public void skip(int n) {
                position += n;
            }

            @Override
            public short readUnsignedByte() {
                if (position < 0 || position >= size) {
                    throw new ElfException("Trying to read outside file");
                }
                return (short) (byteAt(position++) & 0xff);
            }

            @Override
            public int read(byte[] dst) {
                if (position < 0 || position > size) {
                    throw new ElfException("Trying to read outside file");
                }
                int n = (int) Math.min(dst.length, size - position);
                FileWindows.this.read(position, dst, 0, n);
                position += n;
                return n;
            }
        };
    }
}
