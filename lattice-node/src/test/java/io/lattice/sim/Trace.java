package io.lattice.sim;

import io.lattice.raft.Entry;
import io.lattice.raft.Message;
import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.HeartbeatResponse;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Message.ReadIndexRequest;
import io.lattice.raft.Message.ReadIndexResponse;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The event trace of one run, folded into a 64-bit hash (computed only from values that are the
 * same in every JVM: no identity hash codes), plus optionally the most recent events as text for
 * failure reports. Two runs of the same seed must produce the same hash and event count.
 */
final class Trace {
  private long hash = 0xcbf29ce484222325L;
  private long count;
  private long now;
  private final int keep;
  private final ArrayDeque<String> recent;

  /** @param keep how many recent events to keep as text (0: none, which is much faster) */
  Trace(int keep) {
    this.keep = keep;
    this.recent = new ArrayDeque<>(Math.max(1, keep));
  }

  void setNow(long now) {
    this.now = now;
  }

  long hash() {
    return hash;
  }

  long count() {
    return count;
  }

  List<String> recent() {
    return List.copyOf(recent);
  }

  void add(String kind, Message m, long x) {
    fold(kind.hashCode());
    fold(digest(m));
    fold(x);
    count++;
    if (keep > 0) {
      remember(now + " " + kind + " " + describe(m) + (x != 0 ? " @" + x : ""));
    }
  }

  void add(String kind, String node, long a, long b) {
    fold(kind.hashCode());
    fold(node.hashCode());
    fold(a);
    fold(b);
    count++;
    if (keep > 0) {
      remember(now + " " + kind + " " + node + " " + a + " " + b);
    }
  }

  private void remember(String s) {
    if (recent.size() == keep) {
      recent.pollFirst();
    }
    recent.addLast(s);
  }

  private void fold(long v) {
    hash ^= v;
    hash *= 0x100000001b3L;
    hash ^= hash >>> 29;
  }

  /** A digest of a message from its fields (records' own hashCode uses identity hashes of enums). */
  static long digest(Message m) {
    long h = m.getClass().getSimpleName().hashCode();
    h = h * 31 + m.from().hashCode();
    h = h * 31 + m.to().hashCode();
    h = h * 31 + m.term();
    if (m instanceof AppendRequest a) {
      h = h * 31 + a.prevLogIndex();
      h = h * 31 + a.prevLogTerm();
      h = h * 31 + a.commit();
      for (Entry e : a.entries()) {
        h = h * 31 + e.index() * 7 + e.term() * 13 + e.type().code() + java.util.Arrays.hashCode(e.data());
      }
    } else if (m instanceof AppendResponse r) {
      h = h * 31 + (r.success() ? 1 : 2);
      h = h * 31 + r.matchIndex();
      h = h * 31 + r.rejectedIndex();
      h = h * 31 + r.hintIndex();
      h = h * 31 + r.hintTerm();
    } else if (m instanceof VoteRequest v) {
      h = h * 31 + v.lastLogIndex();
      h = h * 31 + v.lastLogTerm();
      h = h * 31 + (v.preVote() ? 1 : 2) + (v.transfer() ? 4 : 8);
    } else if (m instanceof VoteResponse v) {
      h = h * 31 + (v.preVote() ? 1 : 2) + (v.granted() ? 4 : 8);
    } else if (m instanceof Heartbeat hb) {
      h = h * 31 + hb.commit();
      h = h * 31 + hb.readSeq();
    } else if (m instanceof HeartbeatResponse hr) {
      h = h * 31 + hr.readSeq();
    } else if (m instanceof InstallSnapshot s) {
      h = h * 31 + s.snapshot().index();
      h = h * 31 + s.snapshot().term();
    } else if (m instanceof ReadIndexRequest r) {
      h = h * 31 + r.requestId();
    } else if (m instanceof ReadIndexResponse r) {
      h = h * 31 + r.requestId();
      h = h * 31 + r.index();
      h = h * 31 + (r.granted() ? 1 : 2);
    }
    return h;
  }

  static String describe(Message m) {
    if (m instanceof AppendRequest a) {
      String range = a.entries().isEmpty() ? "[]"
          : "[" + a.entries().get(0).index() + ".." + a.entries().get(a.entries().size() - 1).index() + "]";
      return "App " + m.from() + "->" + m.to() + " t" + m.term() + " prev=" + a.prevLogIndex() + "@"
          + a.prevLogTerm() + " " + range + " c=" + a.commit();
    }
    return m.toString();
  }
}
