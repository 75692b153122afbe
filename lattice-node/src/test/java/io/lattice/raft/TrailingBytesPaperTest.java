package io.lattice.raft;

import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.InstallSnapshot;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Raft paper §7 with large entries: the trailing window kept behind a snapshot is bounded in bytes
 * as well as in entries ({@link RaftConfig#trailingBytes()}), so that 1000 entries of 1 MiB do not
 * keep a gigabyte of log in memory; a follower that needs what the byte bound dropped gets
 * InstallSnapshot.
 */
class TrailingBytesPaperTest {
  private static final String[] ABC = {"a", "b", "c"};
  private static final int MIB = 1 << 20;
  /** Room for three 1 MiB entries, not four. */
  private static final long BOUND = 3L * MIB + 100;

  /** A cluster whose window is 1000 entries (all of them here) but only {@link #BOUND} bytes. */
  private static Network cluster() {
    Network net = Network.of(id -> plain(id).withSnapshots(1000, 300).withTrailingBytes(BOUND),
        ABC);
    net.elect("a");
    return net;
  }

  /** Proposes one command of exactly 1 MiB ({@link Entry#size()}) on a and stabilizes. */
  private static void proposeMib(Network net) {
    net.raft("a").propose(new byte[MIB - (int) Entry.command(1, 1, null).size()]);
    net.stabilize();
  }

  private static long bytesKept(Raft r) {
    long sum = 0;
    for (long i = r.firstIndex(); i <= r.snapshot().index(); i++) {
      sum += r.entry(i).size();
    }
    return sum;
  }

  @Test
  @DisplayName("§7 with 1 MiB entries the window behind a snapshot stays within its bytes, and storage drops what the core drops")
  void s7_windowOfLargeEntriesIsBoundedInBytes() {
    Network net = cluster();
    for (int i = 0; i < 10; i++) {
      proposeMib(net);
    }
    Raft a = net.raft("a");
    assertThat(a.appliedIndex()).isEqualTo(11); // the term's no-op, then the ten commands
    SnapshotMeta meta = net.compact("a");
    assertThat(meta.index()).isEqualTo(11);
    assertThat(bytesKept(a)).isEqualTo(3L * MIB).isLessThanOrEqualTo(BOUND);
    assertThat(a.firstIndex()).as("3 entries kept, not the 1000 the count allows").isEqualTo(9);
    assertThat(net.node("a").stored.firstKey()).as("storage dropped through the returned index")
        .isEqualTo(a.firstIndex());
    // replication goes on after the compaction
    proposeMib(net);
    assertThat(net.raft("c").commitIndex()).isEqualTo(12);
  }

  @Test
  @DisplayName("§7 a follower that lacks entries the byte bound dropped gets InstallSnapshot")
  void s7_followerBehindTheByteWindowGetsASnapshot() {
    Network net = cluster();
    net.isolate("c");
    for (int i = 0; i < 10; i++) {
      proposeMib(net);
    }
    net.compact("a");
    assertThat(net.raft("a").firstIndex()).isEqualTo(9);
    net.heal();
    net.history.clear();
    net.tickAndStabilize(2);
    List<InstallSnapshot> snaps = net.history.stream()
        .filter(m -> m instanceof InstallSnapshot).map(m -> (InstallSnapshot) m).toList();
    assertThat(snaps).singleElement().satisfies(s -> {
      assertThat(s.to()).isEqualTo("c");
      assertThat(s.snapshot().index()).isEqualTo(11);
    });
    assertThat(net.node("c").snapshot.index()).isEqualTo(11);
    assertThat(net.raft("c").commitIndex()).isEqualTo(11);
  }

  @Test
  @DisplayName("§7 a follower within the byte window gets the entries, not a snapshot")
  void s7_followerWithinTheByteWindowGetsEntries() {
    Network net = cluster();
    for (int i = 0; i < 8; i++) {
      proposeMib(net);
    }
    net.isolate("c"); // c holds 1..9
    for (int i = 0; i < 2; i++) {
      proposeMib(net);
    }
    net.compact("a"); // 9..11 kept
    net.heal();
    net.history.clear();
    net.tickAndStabilize(2);
    assertThat(net.history).noneMatch(m -> m instanceof InstallSnapshot);
    assertThat(net.history).anyMatch(m -> m instanceof AppendRequest r && r.to().equals("c")
        && !r.entries().isEmpty());
    assertThat(net.raft("c").commitIndex()).isEqualTo(11);
    assertThat(net.node("c").snapshot.index()).as("c installed nothing").isZero();
  }

  @Test
  @DisplayName("§7 a restart keeps only the window in memory, though the store hands back more")
  void s7_restartTrimsWhatTheStoreHandsBackToTheWindow() {
    Network net = cluster();
    for (int i = 0; i < 10; i++) {
      proposeMib(net);
    }
    Raft a = net.raft("a");
    SnapshotMeta meta = net.compact("a");
    List<Entry> everything = new java.util.ArrayList<>();
    for (long i = a.firstIndex(); i <= a.lastIndex(); i++) {
      everything.add(a.entry(i));
    }
    // The store drops whole segment files, so it may still hold entries 1..8 as well: rebuild
    // them (identical: the same commands the leader appended) in front of what the core kept.
    List<Entry> stored = new java.util.ArrayList<>();
    stored.add(Entry.noop(1, 1));
    for (long i = 2; i < a.firstIndex(); i++) {
      stored.add(Entry.command(1, i, new byte[MIB - (int) Entry.command(1, 1, null).size()]));
    }
    stored.addAll(everything);
    Raft restarted = new Raft(plain("a").withSnapshots(1000, 300).withTrailingBytes(BOUND),
        new RestoredState(new HardState(a.term(), "a", 0), meta, stored), new java.util.Random(7));
    assertThat(restarted.firstIndex()).as("was 1: every stored entry back in memory").isEqualTo(9);
    assertThat(bytesKept(restarted)).isLessThanOrEqualTo(BOUND);
    assertThat(restarted.lastIndex()).isEqualTo(11);
    assertThat(restarted.entry(11)).isEqualTo(a.entry(11));
  }
}
