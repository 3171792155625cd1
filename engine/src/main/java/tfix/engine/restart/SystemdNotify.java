package tfix.engine.restart;

import java.nio.charset.StandardCharsets;

import tfix.engine.remote.RemoteCaller;
import tfix.engine.remote.RemoteLibc;
import tfix.engine.sys.SocketAbi;

/**
 * Tells systemd the service's new main pid: "MAINPID=N" on the NOTIFY_SOCKET of the old program's environment,
 * sent from inside the old program, since systemd takes MAINPID= only from the main process (NotifyAccess=main).
 */
public final class SystemdNotify {
    private SystemdNotify() {
    }

    /** Returns false when the message could not be sent. */
    public static boolean mainPid(RemoteLibc libc, String notifySocket, int newPid) {
        byte[] path = notifySocket.getBytes(StandardCharsets.UTF_8);
        if (path.length == 0 || path.length > 107) {
            return false;
        }
        byte[] addr = new byte[2 + path.length + 1];
        addr[0] = SocketAbi.AF_UNIX;
        System.arraycopy(path, 0, addr, 2, path.length);
        int addrLen = addr.length;
        if (path[0] == '@') {
            addr[2] = 0; // an abstract name: its length counts, no trailing NUL
            addrLen = 2 + path.length;
        }
        byte[] msg = ("MAINPID=" + newPid + "\n").getBytes(StandardCharsets.UTF_8);
        int s = (int) libc.callLockFree("socket(AF_UNIX, SOCK_DGRAM)", "socket", RemoteCaller.value(SocketAbi.AF_UNIX),
                RemoteCaller.value(SocketAbi.SOCK_DGRAM | SocketAbi.SOCK_CLOEXEC), RemoteCaller.value(0));
        if (s < 0) {
            return false;
        }
        try {
            long sent = libc.callLockFree("sendto NOTIFY_SOCKET", "sendto", RemoteCaller.value(s), new RemoteCaller.Buffer(msg),
                    RemoteCaller.value(msg.length), RemoteCaller.value(SocketAbi.MSG_NOSIGNAL), new RemoteCaller.Buffer(addr),
                    RemoteCaller.value(addrLen));
            return sent == msg.length;
        } finally {
            libc.close(s);
        }
    }
}
