package tfix.cli.watch;

import tfix.engine.ExecCatcher;

/** A process heard of as it exec'd; {@code seized} when the source seized it already (a held exec), else null. */
record NewProcess(int pid, ExecCatcher.Seized seized) {
}
