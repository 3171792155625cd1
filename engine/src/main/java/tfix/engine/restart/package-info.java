/**
 * {@code tfix restart} through ptrace or the process's agent: the listening sockets of a process and its open connections, read from
 * /proc; the new program spawned from inside the old one with those sockets (the systemd way); when it accepts;
 * the old one made to stop accepting without closing anything the new one shares. /proc is read directly or,
 * for a process that forbids ptrace, through its agent ({@link tfix.engine.restart.ProcFiles}). Uses {@code agent},
 * {@code process}, {@code remote}, {@code sys} and {@code failure}.
 */
package tfix.engine.restart;
