/**
 * From a user's request to a checked plan ready to write: pins, name resolution, loading the patch, the site
 * survey, taking over an earlier patch, trampoline islands. Changes no code (it may load a patch and map an
 * island). Uses {@code patch}, {@code record}, {@code remote}, {@code elf}, {@code guard}, {@code process}.
 */
package tfix.engine.prepare;
