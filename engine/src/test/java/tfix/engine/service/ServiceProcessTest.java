package tfix.engine.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A program that never says it is ready is stopped, not left running. */
class ServiceProcessTest {

    @Test
    void aProgramThatNeverSaysItIsReadyIsStopped() {
        String marker = "317." + ProcessHandle.current().pid(); // a sleep no one else runs
        ServiceProcess.StartFailure e = assertThrows(ServiceProcess.StartFailure.class,
                () -> ServiceProcess.start(Path.of("/bin/sleep"), Duration.ofMillis(500), marker));
        assertTrue(e.getMessage().contains("printed no line"), e.getMessage());
        assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains("sleep " + marker)
                && p.isAlive() && !p.info().commandLine().orElse("").contains("defunct")), "the program was left running");
    }
}
