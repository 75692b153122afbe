package io.lattice.raft;

/**
 * The answer to {@link Raft#readIndex}: when {@code granted}, a read may be served from the state
 * machine as soon as its applied index is at least {@code index} (Raft dissertation §6.4). When not
 * granted, leadership could not be confirmed and the caller should retry or fail the read.
 */
public record ReadState(long requestId, long index, boolean granted) {}
