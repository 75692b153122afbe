package io.lattice.node;

import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.Membership;
import io.lattice.raft.Ready;
import io.lattice.raft.Role;

/**
 * Decides, for the peer transport, whether a message comes from a member that has been removed
 * from the cluster, so that the member can be told to stop (etcd: "the member has been
 * permanently removed from the cluster").
 *
 * <p>The rule: only a leader refuses, and only a sender that is in neither its newest membership
 * (the last CONFIG entry of its log, committed or not) nor its committed one (the last CONFIG entry
 * it has seen committed). A leader holds every committed entry (Leader Completeness), so a sender
 * missing from both was removed by a committed change or never was a member. A removal not yet
 * committed (the sender is still in the committed membership) is not refused: that change may
 * still be lost with this leader. A member added again is in the newest membership and is taken
 * at once. A follower never refuses: its log may lag one that added the sender.
 *
 * <p>The loop thread feeds it ({@link #observe}, {@link #publish}); transport threads read {@link
 * #refuses} from one published, immutable picture.
 */
final class MembershipGate {
  private record Picture(boolean leader, Membership newest, Membership committed) {}

  private Membership committed;
  private volatile Picture picture;

  MembershipGate(Membership committed) {
    this.committed = committed;
    this.picture = new Picture(false, committed, committed);
  }

  /** Loop thread: notes the CONFIG entries a Ready commits, and an installed snapshot. */
  void observe(Ready rd) {
    if (rd.snapshot() != null) {
      committed = rd.snapshot().membership();
    }
    for (Entry e : rd.committedEntries()) {
      if (e.type() == EntryType.CONFIG) {
        committed = Membership.decode(e.data());
      }
    }
  }

  /** Loop thread: publishes the picture transport threads read. */
  void publish(Role role, Membership newest) {
    Picture p = picture;
    boolean leader = role == Role.LEADER;
    if (p.leader() != leader || p.newest() != newest || p.committed() != committed) {
      picture = new Picture(leader, newest, committed);
    }
  }

  /** Any thread: whether a message from {@code peer} is refused as from a removed member. */
  boolean refuses(String peer) {
    Picture p = picture;
    return p.leader() && !p.newest().contains(peer) && !p.committed().contains(peer);
  }
}
