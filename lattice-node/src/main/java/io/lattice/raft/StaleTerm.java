package io.lattice.raft;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;

/** What a server answers to a message from a term older than its own (§5.1: else dropped). */
final class StaleTerm {
  private StaleTerm() {}

  /**
   * The answer from {@code self}, at {@code term}, to {@code m}, whose term is older; null for
   * none. With check-quorum or pre-vote ({@code checkQuorumOrPreVote}), a stale leader's append or
   * heartbeat is refused with the current term: such a leader (e.g. after a partition) would
   * otherwise never hear a higher term, because the other servers ignore its messages and it never
   * campaigns; so it learns the term and steps down. A pre-vote from an older term is refused with
   * the current term, so the pre-candidate learns it too.
   */
  static Message answer(Message m, String self, long term, boolean checkQuorumOrPreVote) {
    if (checkQuorumOrPreVote && (m instanceof AppendRequest || m instanceof Heartbeat)) {
      return new AppendResponse(self, m.from(), term, false, 0, 0, 0, 0);
    }
    if (m instanceof VoteRequest vr && vr.preVote()) {
      return new VoteResponse(self, m.from(), term, true, false);
    }
    return null;
  }
}
