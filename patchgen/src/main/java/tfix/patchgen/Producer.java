package tfix.patchgen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The compilers and flags the binary says it was built with: the DW_AT_producer of its compile units, read with
 * readelf (only the units' own entries, --dwarf-depth=1, and only until a few distinct ones are seen). Empty when
 * the binary has no DWARF (the build's own flags are then the only word on them).
 */
final class Producer {
    private static final int MAX = 3;

    static List<String> of(Path binary) {
        List<String> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("readelf", "--debug-dump=info", "--dwarf-depth=1", binary.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null && out.size() < MAX) {
                    int at = line.indexOf("DW_AT_producer");
                    if (at >= 0) {
                        String v = line.substring(line.indexOf(':', at) + 1).trim();
                        int colon = v.startsWith("(") ? v.indexOf("):") : -1;
                        v = colon >= 0 ? v.substring(colon + 2).trim() : v;
                        if (!out.contains(v)) {
                            out.add(v);
                        }
                    }
                }
            } finally {
                p.destroy();
                p.waitFor();
            }
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }
}
