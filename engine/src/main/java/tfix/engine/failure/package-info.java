/**
 * Failures a user can act on: {@link tfix.engine.failure.TfixException} with its {@link tfix.engine.failure.Reason}; and
 * {@link tfix.engine.failure.Printable}, the one way names from a target are printed (in messages and in output). Uses
 * nothing else.
 */
package tfix.engine.failure;
