package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.ApplyListener;
import io.lattice.node.NodeStorage;
import io.lattice.node.RaftRecovery;
import io.lattice.node.ReadyHandler;
import io.lattice.node.StateMachine;
import io.lattice.node.StorageFailureException;
import io.lattice.node.Transport;
import io.lattice.raft.Entry;
import io.lattice.raft.HardState;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Message.ReadIndexResponse;
import io.lattice.raft.Message.VoteResponse;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.ReadMode;
import io.lattice.raft.RestoredState;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.HardStateStore;
import io.lattice.storage.LogStore;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The {@link ReadyHandler} contract, step by step, against recording fakes. */
class ReadyHandlerTest {
  private final List<String> events = new ArrayList<>();
  private final List<Message> sent = new ArrayList<>();
  private final List<SnapshotStore.Snapshot> snapshotsSent = new ArrayList<>();
  private final SimDisk disk = new SimDisk((m, d) -> {});

  /** The disk's stores, recording every call. */
  private NodeStorage storage() {
    NodeStorage real = disk.storage();
    LogStore log = new LogStore() {
      @Override
      public long firstIndex() {
        return real.log().firstIndex();
      }

      @Override
      public long lastIndex() {
        return real.log().lastIndex();
      }

      @Override
      public List<Entry> read(long from, long to) throws IOException {
        return real.log().read(from, to);
      }

      @Override
      public void append(List<Entry> entries) throws IOException {
        events.add("append " + entries.get(0).index() + ".." + entries.get(entries.size() - 1).index());
        real.log().append(entries);
      }

      @Override
      public void sync() throws IOException {
        events.add("sync");
        real.log().sync();
      }

      @Override
      public void compactUpTo(long index) throws IOException {
        events.add("compact " + index);
        real.log().compactUpTo(index);
      }

      @Override
      public void reset(long afterIndex) throws IOException {
        events.add("reset " + afterIndex);
        real.log().reset(afterIndex);
      }
    };
    HardStateStore hs = new HardStateStore() {
      @Override
      public HardState load() throws IOException {
        return real.hardState().load();
      }

      @Override
      public void save(HardState state) throws IOException {
        events.add("hardstate " + state.term() + "/" + state.votedFor());
        real.hardState().save(state);
      }
    };
    SnapshotStore snaps = new SnapshotStore() {
      @Override
      public void save(SnapshotMeta meta, byte[] data) throws IOException {
        events.add("snapshot " + meta.index());
        real.snapshots().save(meta, data);
      }

      @Override
      public Optional<Snapshot> latest() throws IOException {
        return real.snapshots().latest();
      }
    };
    return new NodeStorage(log, hs, snaps);
  }

  private final Transport transport = new Transport() {
    @Override
    public void send(Message message) {
      events.add("send " + message.getClass().getSimpleName());
      sent.add(message);
    }

    @Override
    public void sendSnapshot(InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
      events.add("send InstallSnapshot");
      sent.add(message);
      snapshotsSent.add(snapshot);
    }
  };

  private final KvStateMachine kv = new KvStateMachine();
  private final StateMachine sm = new StateMachine() {
    @Override
    public byte[] apply(long index, byte[] command) {
      events.add("apply " + index);
      return kv.apply(index, command);
    }

    @Override
    public byte[] snapshot() {
      return kv.snapshot();
    }

    @Override
    public void restore(byte[] snapshot) {
      events.add("restore");
      kv.restore(snapshot);
    }
  };

  private final ApplyListener listener = new ApplyListener() {
    @Override
    public void applied(Entry entry, byte[] result) {
      events.add("applied " + entry.index() + (result == null ? "" : " result"));
    }

    @Override
    public void snapshotRestored(SnapshotMeta meta) {
      events.add("restored " + meta.index());
    }

    @Override
    public void readReady(long requestId, long readIndex) {
      events.add("read-ready " + requestId + "@" + readIndex);
    }

    @Override
    public void readFailed(long requestId) {
      events.add("read-failed " + requestId);
    }
  };

  private static RaftConfig config(String id) {
    return RaftConfig.defaults(id).withSnapshots(1, 300);
  }

  private static byte[] put(long seq, String value) {
    // Without a session (one would have to be registered first): seq only makes commands differ.
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, SimClock.EPOCH_MILLIS + seq,
        bytes("k"), bytes(value), false));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private String value(String key) {
    return value(kv, key);
  }

  private static String value(KvStateMachine sm, String key) {
    return new String(sm.get(bytes(key)).orElseThrow().value(), StandardCharsets.UTF_8);
  }

  private Raft raft(String id, RestoredState restored) {
    return new Raft(config(id), restored, new SplittableRandom(1));
  }

  private void drain(ReadyHandler h) {
    while (h.handleReady()) {
      // keep going
    }
  }

  private int indexOf(String prefix) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no event " + prefix + " in " + events);
  }

  /** A three-voter core "a" made leader of term 1 by votes from b, through the handler. */
  private Raft leaderOfThree(ReadyHandler[] handler) {
    Raft r = raft("a", RestoredState.bootstrap(Membership.ofVoterIds("a", "b", "c")));
    handler[0] = new ReadyHandler(r, storage(), sm, transport, listener, 0);
    r.campaign();
    drain(handler[0]);
    r.step(new VoteResponse("b", "a", 1, true, true));
    drain(handler[0]);
    r.step(new VoteResponse("b", "a", 1, false, true));
    drain(handler[0]);
    assertThat(r.role()).isEqualTo(Role.LEADER);
    return r;
  }

  @Test
  void voteIsDurableBeforeTheVoteRequestsGoOut() {
    ReadyHandler[] h = new ReadyHandler[1];
    leaderOfThree(h);
    int vote = indexOf("hardstate 1/a");
    int firstRealVoteSent = -1;
    for (int i = 0; i < sent.size(); i++) {
      if (sent.get(i) instanceof Message.VoteRequest vr && !vr.preVote()) {
        firstRealVoteSent = i;
        break;
      }
    }
    assertThat(firstRealVoteSent).isGreaterThanOrEqualTo(0);
    // Sends are recorded in order among the events: the vote request comes after the hard state.
    int voteRequests = 0;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).equals("send VoteRequest")) {
        voteRequests++;
        if (voteRequests > 2) { // the first two are pre-votes, which need no durable state
          assertThat(i).isGreaterThan(vote);
        }
      }
    }
  }

  @Test
  void entriesAreSyncedOnceBeforeSendingAndAppliedAfter() {
    ReadyHandler[] h = new ReadyHandler[1];
    Raft r = leaderOfThree(h);
    events.clear();
    r.propose(put(1, "x"));
    r.propose(put(2, "y"));
    drain(h[0]);
    // Both proposals in one append and one sync, before any AppendRequest is sent.
    assertThat(events.subList(0, 2)).containsExactly("append 2..3", "sync");
    assertThat(events).allMatch(e -> !e.startsWith("apply"));
    events.clear();
    r.step(new AppendResponse("b", "a", 1, true, 3, 0, 0, 0));
    drain(h[0]);
    assertThat(events).containsSubsequence("applied 1", "apply 2", "applied 2 result", "apply 3",
        "applied 3 result");
    assertThat(events).doesNotContain("sync"); // nothing new to persist
    assertThat(h[0].appliedIndex()).isEqualTo(3);
    assertThat(value("k")).isEqualTo("y");
  }

  @Test
  void failedSyncIsFatalAndNothingOfTheReadyIsSent() {
    ReadyHandler[] h = new ReadyHandler[1];
    Raft r = leaderOfThree(h);
    events.clear();
    sent.clear();
    disk.arm(SimDisk.Fault.FAIL_SYNC);
    r.propose(put(1, "x"));
    assertThatThrownBy(() -> drain(h[0])).isInstanceOf(StorageFailureException.class)
        .hasCauseInstanceOf(IOException.class);
    assertThat(sent).isEmpty();
    assertThat(h[0].stopped()).isTrue();
    assertThatThrownBy(h[0]::handleReady).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void readIsServedOnlyOnceAppliedReachesItsIndex() {
    Raft r = raft("b", RestoredState.bootstrap(Membership.ofVoterIds("a", "b", "c")));
    ReadyHandler h = new ReadyHandler(r, storage(), sm, transport, listener, 0);
    r.step(new AppendRequest("a", "b", 1, 0, 0, List.of(Entry.noop(1, 1)), 0));
    drain(h);
    r.readIndex(7, ReadMode.LINEARIZABLE); // forwarded to a
    drain(h);
    assertThat(sent).anyMatch(m -> m instanceof Message.ReadIndexRequest);
    events.clear();
    r.step(new ReadIndexResponse("a", "b", 1, 7, 1, true));
    drain(h);
    assertThat(events).noneMatch(e -> e.startsWith("read-ready"));
    assertThat(h.pendingReadCount()).isEqualTo(1);
    r.step(new Heartbeat("a", "b", 1, 1, 1));
    drain(h);
    assertThat(events).containsSubsequence("applied 1", "read-ready 7@1");
    assertThat(h.pendingReadCount()).isZero();
  }

  @Test
  void readWithoutLeaderFails() {
    Raft r = raft("b", RestoredState.bootstrap(Membership.ofVoterIds("a", "b", "c")));
    ReadyHandler h = new ReadyHandler(r, storage(), sm, transport, listener, 0);
    r.readIndex(9, ReadMode.LEASE);
    drain(h);
    assertThat(events).contains("read-failed 9");
  }

  @Test
  void snapshotsAreTakenAtTheThresholdAndTheLogIsCompacted() throws IOException {
    Raft r = raft("a", RestoredState.bootstrap(Membership.ofVoterIds("a")));
    ReadyHandler h = new ReadyHandler(r, storage(), sm, transport, listener, 4);
    r.campaign();
    drain(h);
    for (int i = 1; i <= 6; i++) {
      r.propose(put(i, "v" + i));
      drain(h);
    }
    assertThat(r.appliedIndex()).isEqualTo(7);
    SnapshotStore.Snapshot snap = disk.storage().snapshots().latest().orElseThrow();
    assertThat(snap.meta().index()).isEqualTo(4);
    assertThat(r.snapshot().index()).isEqualTo(4);
    // Trailing window of 1 entry: the store keeps index 4 onwards.
    assertThat(disk.log().firstIndex()).isEqualTo(4);
    assertThat(indexOf("snapshot 4")).isLessThan(indexOf("compact 3"));
    KvStateMachine restored = new KvStateMachine();
    restored.restore(snap.data());
    assertThat(value(restored, "k")).isEqualTo("v3");
  }

  /**
   * A snapshot can replace the one an InstallSnapshot in the core's pending output names: the loop
   * takes snapshots (on demand, or finishing one written in the background) between Readies, but
   * the core may have queued the message in the same step, before the newer snapshot compacted the
   * log. The store may have dropped the older snapshot by then. The message is not sent; the core
   * is told the transfer failed, and sends the newest snapshot instead. (It used to stop the node:
   * "core sends snapshot 4 but the snapshot store holds 6".)
   */
  @Test
  void installSnapshotOfAReplacedSnapshotIsNotSentAndTheNewestGoesOutInstead() throws IOException {
    ReadyHandler[] h = new ReadyHandler[1];
    Raft r = leaderOfThree(h);
    for (int i = 1; i <= 3; i++) {
      r.propose(put(i, "v" + i));
    }
    drain(h[0]);
    r.step(new AppendResponse("b", "a", 1, true, 4, 0, 0, 0));
    drain(h[0]);
    h[0].snapshotNow();
    assertThat(r.snapshot().index()).isEqualTo(4);
    r.propose(put(4, "v4"));
    r.propose(put(5, "v5"));
    drain(h[0]);
    r.step(new AppendResponse("b", "a", 1, true, 6, 0, 0, 0));
    drain(h[0]);
    assertThat(h[0].appliedIndex()).isEqualTo(6);
    // c has nothing: its rejection makes the core queue an InstallSnapshot of snapshot 4 ...
    long probedAt = lastAppendTo("c").prevLogIndex();
    sent.clear();
    r.step(new AppendResponse("c", "a", 1, false, 0, probedAt, 0, 0));
    // ... and before that Ready is handled, a newer snapshot replaces snapshot 4.
    h[0].snapshotNow();
    assertThat(disk.storage().snapshots().latest().orElseThrow().meta().index()).isEqualTo(6);
    drain(h[0]);
    assertThat(sent).noneMatch(m -> m instanceof InstallSnapshot);
    // Probing c again, the core sends the newest snapshot, with its bytes.
    r.step(new Message.HeartbeatResponse("c", "a", 1, 0));
    drain(h[0]);
    InstallSnapshot is = (InstallSnapshot) sent.stream().filter(m -> m instanceof InstallSnapshot)
        .findFirst().orElseThrow(() -> new AssertionError("no snapshot sent: " + sent));
    assertThat(is.snapshot().index()).isEqualTo(6);
    assertThat(snapshotsSent.get(snapshotsSent.size() - 1).meta()).isEqualTo(is.snapshot());
  }

  private AppendRequest lastAppendTo(String peer) {
    AppendRequest last = null;
    for (Message m : sent) {
      if (m instanceof AppendRequest a && a.to().equals(peer)) {
        last = a;
      }
    }
    return last;
  }

  @Test
  void snapshotFromTheLeaderIsSavedResetAndRestoredWithItsBytes() {
    // The leader: restored from a snapshot at 10 with nothing after it.
    KvStateMachine leaderKv = new KvStateMachine();
    leaderKv.apply(5, put(1, "from-snapshot"));
    Membership m = Membership.ofVoterIds("a", "b");
    SnapshotMeta meta = new SnapshotMeta(10, 1, m);
    SimDisk leaderDisk = new SimDisk((x, y) -> {});
    try {
      leaderDisk.storage().snapshots().save(meta, leaderKv.snapshot());
      leaderDisk.storage().hardState().save(new HardState(1, null));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    RestoredState leaderState;
    try {
      leaderState = RaftRecovery.recover(leaderDisk.storage(), new KvStateMachine(), m);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertThat(leaderDisk.log().firstIndex()).as("recovery resets an empty log after the snapshot")
        .isEqualTo(11);
    Raft leader = raft("a", leaderState);
    ReadyHandler lh = new ReadyHandler(leader, leaderDisk.storage(), new KvStateMachine(),
        transport, ApplyListener.NONE, 0);
    leader.campaign();
    drain(lh);
    leader.step(new VoteResponse("b", "a", 2, true, true));
    drain(lh);
    leader.step(new VoteResponse("b", "a", 2, false, true));
    drain(lh);
    // b has nothing: it rejects, the leader falls back to the snapshot.
    leader.step(new AppendResponse("b", "a", 2, false, 0, 10, 0, 0));
    drain(lh);
    InstallSnapshot is = (InstallSnapshot) sent.stream()
        .filter(x -> x instanceof InstallSnapshot).findFirst().orElseThrow();
    assertThat(snapshotsSent.get(0).meta()).isEqualTo(meta);
    // The follower receives it with its bytes.
    Raft follower = raft("b", RestoredState.bootstrap(m));
    ReadyHandler fh = new ReadyHandler(follower, storage(), sm, transport, listener, 0);
    events.clear();
    fh.deliverSnapshot(is, snapshotsSent.get(0).data());
    drain(fh);
    assertThat(events).containsSubsequence("snapshot 10", "reset 10", "sync", "send AppendResponse",
        "restore", "restored 10");
    assertThat(value("k")).isEqualTo("from-snapshot");
    assertThat(fh.appliedIndex()).isEqualTo(10);
    assertThat(disk.log().firstIndex()).isEqualTo(11);
  }

  @Test
  void recoveryPrefersASnapshotNewerThanTheLog() throws IOException {
    // A crash hit after a snapshot from the leader was saved but before the log reset was synced.
    NodeStorage s = disk.storage();
    s.log().append(List.of(Entry.noop(1, 1), Entry.command(1, 2, put(1, "old"))));
    s.log().sync();
    KvStateMachine source = new KvStateMachine();
    source.apply(7, put(1, "new"));
    s.snapshots().save(new SnapshotMeta(8, 2, Membership.ofVoterIds("a", "b", "c")), source.snapshot());
    KvStateMachine target = new KvStateMachine();
    RestoredState restored = RaftRecovery.recover(s, target, Membership.ofVoterIds("a", "b", "c"));
    assertThat(restored.snapshot().index()).isEqualTo(8);
    assertThat(restored.entries()).isEmpty();
    assertThat(value(target, "k")).isEqualTo("new");
    assertThat(s.log().firstIndex()).isEqualTo(9);
    disk.crash(0);
    assertThat(disk.log().firstIndex()).as("the reset was synced").isEqualTo(9);
    Raft r = raft("b", restored);
    assertThat(r.commitIndex()).isEqualTo(8);
  }

  @Test
  void recoveryOfANewServerUsesTheBootstrapMembership() throws IOException {
    RestoredState restored = RaftRecovery.recover(disk.storage(), new KvStateMachine(),
        Membership.ofVoterIds("a", "b"));
    assertThat(restored.hardState()).isEqualTo(HardState.INITIAL);
    assertThat(restored.snapshot().membership().voters()).containsExactly("a", "b");
    assertThat(new String(put(1, "x"), StandardCharsets.UTF_8)).isNotEmpty();
  }
}
