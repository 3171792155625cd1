package tfix.engine.elf;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import tfix.engine.sys.PrivateFolder;

/**
 * Function symbol tables kept on disk across runs, so a cold command does not parse libc's (or a large program's)
 * tables again. An entry is known by the file's build-id and its identity ({@link FileIdentity}: device, inode,
 * size, times), both written inside it and compared on reading, with a checksum over the whole entry. The folder
 * is the user's ({@code $TFIX_ELF_CACHE}, else {@code $XDG_CACHE_HOME/tfix/elf}, else {@code ~/.cache/tfix/elf};
 * {@code TFIX_ELF_CACHE=off} for none), made 0700; a folder or entry not owned by this user, writable by others,
 * a link, damaged or written for another file is not used, and the table is parsed from the file as without a
 * store. At most {@link #KEPT} entries and {@link #BYTES} bytes are kept, the least recently used dropped.
 * Failing to read or write the store never fails a command.
 */
public final class ElfSymbolStore {
    private static final String MAGIC = "tfix elf symbols 1";
    static final int KEPT = 512;
    static final long BYTES = 256L << 20;
    private static final String[] TABLES = {".symtab", ".dynsym"};
    private static volatile ElfSymbolStore standard;
    private final Path dir;

    private ElfSymbolStore(Path dir) {
        this.dir = dir;
    }

    public static ElfSymbolStore at(Path dir) {
        return new ElfSymbolStore(dir);
    }

    /** The store the environment names, looked up once per JVM. */
    public static ElfSymbolStore standard() {
        ElfSymbolStore s = standard;
        if (s == null) {
            String env = System.getenv("TFIX_ELF_CACHE");
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            s = standard = new ElfSymbolStore("off".equals(env) ? null
                    : env != null && env.startsWith("/") ? Path.of(env) : base.resolve("tfix").resolve("elf"));
        }
        return s;
    }

    /** The function symbols of the file with this build-id and identity: stored ones when good, else parsed and stored. */
    public List<Symbol> symbols(String buildId, FileIdentity identity, Supplier<List<Symbol>> parse) {
        if (dir == null) {
            return parse.get();
        }
        String key = buildId + "#" + identity.key();
        Path file = dir.resolve(name(key));
        List<Symbol> kept = read(file, key);
        if (kept != null) {
            return kept;
        }
        List<Symbol> parsed = parse.get();
        write(file, key, parsed);
        return parsed;
    }

    private static String name(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8))) + ".syms";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Symbol> read(Path file, String key) {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) || !PrivateFolder.trusted(dir) || !PrivateFolder.trusted(file)
                    || Files.size(file) > BYTES || Files.size(file) < 8) {
                return null;
            }
            byte[] all = Files.readAllBytes(file);
            CRC32 crc = new CRC32();
            crc.update(all, 0, all.length - 8);
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
            in.skipNBytes(all.length - 8);
            if (in.readLong() != crc.getValue()) {
                return null; // damaged
            }
            in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 8));
            if (!in.readUTF().equals(MAGIC) || !in.readUTF().equals(key)) {
                return null; // another format, or another file's entry under this name
            }
            int n = in.readInt();
            if (n < 0 || n > all.length / 21) { // a symbol takes at least 21 bytes
                return null;
            }
            List<Symbol> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long value = in.readLong(), size = in.readLong();
                int type = in.readByte(), binding = in.readByte(), table = in.readByte();
                if (name.isEmpty() || (type != Symbol.STT_FUNC && type != Symbol.STT_GNU_IFUNC) || binding < 0 || binding > 15
                        || table < 0 || table >= TABLES.length || value == 0) {
                    return null;
                }
                out.add(new Symbol(name, value, size, type, binding, TABLES[table]));
            }
            if (in.available() != 0) {
                return null;
            }
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis())); // recently used
            return List.copyOf(out);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void write(Path file, String key, List<Symbol> symbols) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(MAGIC);
                out.writeUTF(key);
                out.writeInt(symbols.size());
                for (Symbol s : symbols) {
                    out.writeUTF(s.name());
                    out.writeLong(s.value());
                    out.writeLong(s.size());
                    out.writeByte(s.type());
                    out.writeByte(s.binding());
                    out.writeByte(s.table().equals(TABLES[0]) ? 0 : 1);
                }
            }
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            new DataOutputStream(bytes).writeLong(crc.getValue());
            if (PrivateFolder.replace(dir, file.getFileName().toString(), bytes.toByteArray())) {
                prune();
            }
        } catch (IOException | RuntimeException e) {
            // Not stored: the next run parses the file again.
        }
    }

    /** Drops the least recently used entries beyond {@link #KEPT} or {@link #BYTES}. */
    private void prune() throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(".syms")
                    && !p.getFileName().toString().startsWith(".")).toList());
        }
        all.sort(Comparator.comparing(ElfSymbolStore::modified).reversed());
        long bytes = 0;
        for (int i = 0; i < all.size(); i++) {
            bytes += sizeOf(all.get(i));
            if (i >= KEPT || bytes > BYTES) {
                Files.deleteIfExists(all.get(i));
            }
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }



    /** The entry a file of this build-id and identity would have (for tests). */
    Path entryFor(String buildId, FileIdentity identity) {
        return dir.resolve(name(buildId + "#" + identity.key()));
    }
}
