/**
 * Where a command's time goes, phase by phase, for the benchmarks ({@code tfix bench --only fleet}): off unless a
 * benchmark turns it on, and then only sums of elapsed times; and how long tfix held target threads stopped, and why
 * ({@code Holds}). Uses nothing else.
 */
package tfix.engine.timing;
