package io.lattice.raft;

/**
 * State that must be durable before any message that depends on it is sent (Raft Figure 2,
 * "persistent state on all servers"). The commit index is deliberately not here: it is re-learned
 * from the leader after a restart, so the common write path needs no hard-state write.
 *
 * @param term the latest term this server has seen
 * @param votedFor the candidate voted for in {@code term}, or null
 * @param noVoteBelow after a repair that dropped entries, the last index the log held before the
 *     repair: this server neither votes nor campaigns until its log (and the commit index it has
 *     learned) reach it again ({@link LogIndex#NONE} when no repair happened). Its acknowledgements
 *     still count toward commit: they describe only entries it durably holds again.
 */
public record HardState(long term, String votedFor, long noVoteBelow) {
  public static final HardState INITIAL = new HardState(LogIndex.NO_TERM, null, LogIndex.NONE);

  public HardState(long term, String votedFor) {
    this(term, votedFor, LogIndex.NONE);
  }
}
