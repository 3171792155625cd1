/**
 * {@code tfix restart} through ptrace: the listening sockets of a process and its open connections, read from
 * /proc; the new program spawned from inside the old one with those sockets (the systemd way); when it accepts;
 * the old one made to stop accepting without closing anything the new one shares. Uses {@code process},
 * {@code remote}, {@code sys} and {@code failure}.
 */
package tfix.engine.restart;
