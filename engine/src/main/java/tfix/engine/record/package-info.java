/**
 * The record of applied patches, kept in the target itself (a memfd mapping any later tfix run finds): its
 * events, their parsing, and the book that writes them around every change and journals it. Uses
 * {@code remote} (to make the record), {@code process}, {@code guard}.
 */
package tfix.engine.record;
