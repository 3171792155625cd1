package tfix.cli.watch;

import java.util.List;

/** Where a watch hears of processes that replaced their program (execve): the kernel's connector, or a /proc poll. */
interface ExecSource extends AutoCloseable {
    /** The processes that exec'd since the last call; waits a little (up to a poll period) when there are none. */
    List<NewProcess> next();

    /** Said in the watch's first line. */
    String describe();

    @Override
    void close();
}
