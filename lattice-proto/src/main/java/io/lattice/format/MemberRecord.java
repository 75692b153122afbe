package io.lattice.format;

/**
 * One member as stored in CONFIG entries and snapshot headers.
 *
 * @param peerAddress "host:port" of the member's peer listener (the Raft service), the address other
 *     members dial; in data written before members had two addresses, the one address
 * @param clientAddress "host:port" of the member's client listener (KV, Cluster), the address
 *     clients are sent to; empty until known (the leader publishes it once the member has told it)
 */
public record MemberRecord(String id, String peerAddress, String clientAddress, boolean voter,
    boolean autoPromote) {
  public MemberRecord {
    clientAddress = clientAddress == null ? "" : clientAddress;
  }

  /** A member whose client address is not known (yet). */
  public MemberRecord(String id, String peerAddress, boolean voter, boolean autoPromote) {
    this(id, peerAddress, "", voter, autoPromote);
  }
}
