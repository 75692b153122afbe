package io.lattice.raft;

/** Volatile, observable state: reported in a {@link Ready} whenever any part of it changes. */
public record SoftState(Role role, long term, String leaderId) {}
