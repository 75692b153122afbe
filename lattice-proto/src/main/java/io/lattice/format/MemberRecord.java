package io.lattice.format;

/** One member as stored in CONFIG entries and snapshot headers. */
public record MemberRecord(String id, String address, boolean voter, boolean autoPromote) {}
