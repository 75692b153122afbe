package io.lattice.cli.inspect;

/**
 * One entry to print, with where it is stored.
 *
 * @param offset byte offset of the record's frame in the segment file
 * @param framedSize bytes the record takes in the file
 */
record EntryLine(Segment segment, long offset, int framedSize, DecodedEntry entry) {}
