package io.lattice.raft;

/**
 * Where a proposal landed. The proposal succeeded exactly when the entry applied at {@code index}
 * has this {@code term}; an entry of another term at that index means it was overwritten (lost).
 */
public record EntryId(long term, long index) {}
