/** Failures a user can act on: {@link tfix.engine.failure.TfixException} with its {@link tfix.engine.failure.Reason}. Uses nothing else. */
package tfix.engine.failure;
