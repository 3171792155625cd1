/** Guards on this machine: patch files others could change, what a patch file must be, file digests, the journal of every write. Uses only {@code failure}. */
package tfix.engine.guard;
