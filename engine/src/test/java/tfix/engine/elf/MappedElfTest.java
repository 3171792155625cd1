package tfix.engine.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.testing.Targets;

/** The mapping under ElfImage: reads across window edges, and headers checked before jelf allocates. */
class MappedElfTest {

    @Test
    void readsAcrossWindowEdgesAndRefusesPastTheEnd(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ten");
        Files.write(f, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        FileWindows w = FileWindows.map(f, 4);
        assertEquals(10, w.size());
        assertArrayEquals(new byte[] {2, 3, 4, 5, 6, 7, 8, 9}, w.bytes(2, 8), "three windows, two edges");
        TfixException past = assertThrows(TfixException.class, () -> w.bytes(8, 3));
        assertEquals(Reason.IO, past.reason(), past.getMessage());
        byte[] header = new byte[6];
        var cursor = w.cursor();
        cursor.seek(3);
        assertEquals(3, cursor.readUnsignedByte());
        assertEquals(6, cursor.read(header), "a read at the end stops there");
        assertArrayEquals(new byte[] {4, 5, 6, 7, 8, 9}, header);
    }

    @Test
    void aSectionClaimingMoreThanTheFileIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad");
        Files.copy(Targets.exe("scorer.c"), bad);
        try (FileChannel ch = FileChannel.open(bad, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer eh = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(eh, 0);
            long shoff = eh.getLong(0x28);
            int shstrndx = eh.getShort(0x3e) & 0xffff;
            // The section-name string table claims 1.5 GiB: jelf would allocate that much before reading.
            ByteBuffer size = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 3L << 29);
            ch.write(size, shoff + shstrndx * 64L + 0x20);
        }
        TfixException e = assertThrows(TfixException.class, () -> ElfImage.read(bad));
        assertEquals(Reason.IO, e.reason());
        assertTrue(e.getMessage().contains("runs past the end of the file"), e.getMessage());
    }
}
