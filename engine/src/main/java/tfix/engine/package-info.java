/**
 * tfix's engine: {@link tfix.engine.TfixSession} attaches to one process, runs every operation on that
 * process's ptrace thread, and hands the work to the layers below; {@link tfix.engine.Results} are what the
 * operations return. Plain Java, no Groovy. May use every package below.
 */
package tfix.engine;
