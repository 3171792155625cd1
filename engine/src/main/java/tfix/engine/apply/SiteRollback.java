package tfix.engine.apply;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;
import tfix.engine.process.ProcMemory;
import tfix.engine.x86.CodeWriter;

/**
 * Puts sites back to the bytes they held before a write that failed, every stopped thread still stopped. Each
 * site is read back, tried twice, and a site that will not go back does not keep the later ones from going back.
 * "Rolled back" is said only when every read-back confirms it; otherwise each torn site is named: the threads
 * resume (tfix cannot hold them for ever) and one that runs a torn instruction may crash.
 */
final class SiteRollback {
    private static final int TRIES = 2;

    /** A site and the bytes it is to hold again. */
    record Site(Write write, byte[] was) {
    }

    private SiteRollback() {
    }

    /** What to throw for a write that failed with {@code cause}: the cause when every site is back, else the torn sites. */
    static RuntimeException after(ProcMemory memory, List<Site> sites, RuntimeException cause) {
        List<String> torn = putBack(memory, sites, cause);
        if (torn.isEmpty()) {
            return cause;
        }
        return torn(cause.getMessage(), torn, cause);
    }

    /** Puts back what the native write left (it could not); throws when a site stays torn. */
    static void afterNative(ProcMemory memory, List<Write> written) {
        List<Site> sites = new ArrayList<>();
        for (Write w : written) {
            sites.add(new Site(w, w.before()));
        }
        RuntimeException failures = new RuntimeException("putting back after the native write");
        List<String> torn = putBack(memory, sites, failures);
        if (!torn.isEmpty()) {
            throw torn("a write of the patch sites failed in the stop", torn, failures);
        }
    }

    private static TfixException torn(String what, List<String> torn, Throwable cause) {
        return new TfixException(Reason.UNSAFE_SITE, what + "; putting the bytes back failed too for " + String.join(", ", torn)
                + ": the code there is torn and a thread that runs it may crash: restart the process, or write those bytes"
                + " back with a debugger", cause);
    }

    /** Each site that could not be put back, in words; failures are added to {@code into} as suppressed. */
    private static List<String> putBack(ProcMemory memory, List<Site> sites, Throwable into) {
        List<String> torn = new ArrayList<>();
        for (Site s : sites) {
            Write w = s.write();
            byte[] now = null;
            for (int i = 0; i < TRIES && !Arrays.equals(now, s.was()); i++) {
                try {
                    memory.write(w.address(), s.was());
                } catch (RuntimeException e) {
                    into.addSuppressed(e);
                }
                try { // read also after a failed write: the message says what the site holds
                    now = memory.read(w.address(), s.was().length);
                } catch (RuntimeException e) {
                    now = null;
                    into.addSuppressed(e);
                }
            }
            if (!Arrays.equals(now, s.was())) {
                torn.add(String.format("%s at %#x (%s instead of %s)", w.function(), w.address(),
                        now == null ? "unreadable" : CodeWriter.hex(now), CodeWriter.hex(s.was())));
            }
        }
        return torn;
    }
}
