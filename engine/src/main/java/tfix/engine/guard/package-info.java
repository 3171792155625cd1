/** Guards on this machine: patch files others could change, what a patch file must be, file digests, the journal of every write. Uses {@code failure}, and {@code sys} to open files that may have been swapped without blocking. */
package tfix.engine.guard;
