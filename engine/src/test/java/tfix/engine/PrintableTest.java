package tfix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import tfix.engine.failure.Printable;
import tfix.engine.failure.Reason;
import tfix.engine.failure.TfixException;

/** Names from a target printed safely: controls escaped, everything else as it is, escaping twice changes nothing. */
class PrintableTest {
    @Test
    void controlsAreEscapedAndTheRestKept() {
        assertEquals("a\\x1b[2Jb\\x07\\n\\t\\r\\x00\\x7f\\x9b", Printable.of("a\u001b[2Jb\u0007\n\t\r\u0000\u007f\u009b"));
        assertEquals("evil\\u202etxt.so", Printable.of("evil\u202etxt.so"), "right-to-left override shown");
        String plain = "Role::getClassName[abi:cxx11]() const é 中文 😀 back\\slash";
        assertSame(plain, Printable.of(plain));
        String once = Printable.of("x\u001by\\n");
        assertEquals(once, Printable.of(once));
        assertEquals("null", Printable.of(null));
    }

    @Test
    void aFailureIsAlwaysOneLine() {
        TfixException e = new TfixException(Reason.NOT_FOUND, "'f\n\u001b[31m' is not replaced");
        assertEquals("'f\\n\\x1b[31m' is not replaced", e.getMessage());
        assertEquals("in x: 'f\\n\\x1b[31m' is not replaced", e.prefixed("in x: ").getMessage());
    }
}
