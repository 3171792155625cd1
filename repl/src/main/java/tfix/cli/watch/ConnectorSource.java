package tfix.cli.watch;

import java.util.List;

import tfix.engine.sys.Native;
import tfix.engine.sys.ProcConnector;

/**
 * Exec events from the kernel the moment they happen. When events were lost (the socket overran), falls back
 * for that once on a /proc poll, which reports every process whose program changed since it last looked.
 */
final class ConnectorSource implements ExecSource {
    private final ProcConnector connector;
    private final PollSource rescan;

    ConnectorSource(Native nat, int pollMillis) {
        this.connector = ProcConnector.open(nat, pollMillis);
        this.rescan = new PollSource(pollMillis); // its baseline: what runs now
    }

    @Override
    public List<NewProcess> next() {
        ProcConnector.Events e = connector.receive();
        if (e.overrun()) {
            return rescan.next();
        }
        return e.execs().stream().map(pid -> new NewProcess(pid, null)).toList();
    }

    @Override
    public String describe() {
        return "the kernel's process events connector (exec events)";
    }

    @Override
    public void close() {
        connector.close();
    }
}
