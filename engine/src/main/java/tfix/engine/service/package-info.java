/**
 * Starting a long-running program for tfix to work on, and following what it prints.
 *
 * <p>{@link tfix.engine.service.ServiceProcess} is shared by the command line's demo and
 * benchmarks and by the tests: it starts a program detached (so it is not a child of the
 * JVM, whose process reaper would race the tracer's waitpid), follows its output through a
 * temporary log file, waits for lines, tells whether the program is alive or traced, and
 * on close stops it and deletes the log. Plain Java; nothing here patches anything.
 */
package tfix.engine.service;
