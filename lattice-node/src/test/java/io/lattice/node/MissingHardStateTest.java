package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Entry;
import io.lattice.raft.HardState;
import io.lattice.raft.Membership;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import io.lattice.raft.Message;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.Ready;
import io.lattice.raft.RestoredState;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import io.lattice.server.LatticeNodeCommand;
import io.lattice.storage.CorruptStorageException;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SegmentedLogStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A data directory whose {@code hardstate} file is gone while its log or a snapshot shows that the
 * server has run before: the term and vote it had are lost, so the node must not start as if it
 * were new (it could vote twice in one term).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MissingHardStateTest {
  @TempDir Path tmp;
  private RaftNode<KvStateMachine> node;

  @AfterEach
  void close() {
    if (node != null) {
      node.close();
    }
  }

  private Path dataDir() {
    return tmp.resolve("a");
  }

  private RaftNode<KvStateMachine> start() throws Exception {
    NodeConfig config = NodeConfig.of("a", dataDir(), Map.of("a", "127.0.0.1:7001"))
        .withTiming(10, 10, 2, 2);
    return RaftNode.start(config, new KvStateMachine(),
        inbox -> new InMemoryTransport.Network().transportFor("a", inbox));
  }

  private static byte[] put(String key, String value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, 1, key.getBytes(
        StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), false));
  }

  private static List<Entry> entries(long term, int n) {
    List<Entry> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(Entry.command(term, i, put("k" + i, "v" + i)));
    }
    return out;
  }

  private static int run(StringWriter out, String... args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    return cl.execute(args);
  }

  /** Steps {@code m} into {@code r}; whether {@code r} granted the vote it asked for. */
  private static boolean grants(Raft r, VoteRequest m) {
    r.step(m);
    if (!r.hasReady()) {
      return false;
    }
    Ready rd = r.ready();
    r.advance(rd);
    boolean granted = false;
    for (Message out : rd.messages()) {
      if (out instanceof VoteResponse v && v.to().equals(m.from()) && v.granted()) {
        granted = true;
      }
    }
    return granted;
  }

  /**
   * A vote request of {@code term} from b, whose log is as up to date as a's. It is a leadership
   * transfer's, which a follower answers even right after a start (no leader lease holds it back).
   */
  private static VoteRequest voteFromB(long term) {
    return new VoteRequest("b", "a", term, 20, 3, false, true);
  }

  private void writeLog(long term, int n) throws Exception {
    Files.createDirectories(dataDir());
    try (SegmentedLogStore store = SegmentedLogStore.open(dataDir(), FileIo.SYSTEM, 1 << 20)) {
      store.append(entries(term, n));
      store.sync();
    }
  }

  @Test
  void aLogWithoutAHardStateRefusesToStartAndSaysWhatToRun() throws Exception {
    writeLog(3, 20);
    Path file = dataDir().resolve(FileHardStateStore.FILE_NAME);
    assertThatThrownBy(this::start)
        .isInstanceOf(CorruptStorageException.class)
        .hasMessageContaining("hard state")
        .hasMessageContaining("missing")
        .hasMessageContaining("[file " + file + "]")
        .hasMessageContaining("index 20")
        .hasMessageContaining("lattice-node repair --data-dir " + dataDir() + " --term ")
        .satisfies(e -> assertThat(((CorruptStorageException) e).file()).isEqualTo(file));
    assertThat(file).doesNotExist();
  }

  @Test
  void aSnapshotWithoutAHardStateRefusesToStart() throws Exception {
    Files.createDirectories(dataDir());
    new FileSnapshotStore(dataDir(), FileIo.SYSTEM).save(
        new SnapshotMeta(50, 7, Membership.ofVoterIds("a")), new KvStateMachine().snapshot());
    Path file = dataDir().resolve(FileHardStateStore.FILE_NAME);
    assertThatThrownBy(this::start)
        .isInstanceOf(CorruptStorageException.class)
        .hasMessageContaining("[file " + file + "]")
        .hasMessageContaining("index 50")
        .hasMessageContaining("backup")
        .hasMessageContaining("lattice-node repair --data-dir " + dataDir() + " --term ");
  }

  @Test
  void anEmptyDataDirectoryStartsAsANewNode() throws Exception {
    node = start();
    Await.until("a to lead itself", () -> node.header().role() == Role.LEADER ? true : null);
    node.close();
    node = null;
    HardState hs = new FileHardStateStore(dataDir(), FileIo.SYSTEM).load();
    assertThat(hs.term()).isPositive();
    assertThat(hs.votedFor()).isEqualTo("a");
  }

  @Test
  void repairWithTheClustersTermLetsTheNodeStartAboveIt() throws Exception {
    writeLog(3, 20);
    StringWriter refused = new StringWriter();
    assertThat(run(refused, "repair", "--data-dir", dataDir().toString()))
        .as("no --term: the same error the node stops with").isEqualTo(3);
    assertThat(refused.toString()).contains("hard state (term and vote) is missing")
        .contains("lattice-node repair --data-dir " + dataDir() + " --term T");
    assertThat(dataDir().resolve(FileHardStateStore.FILE_NAME)).doesNotExist();

    StringWriter out = new StringWriter();
    assertThat(run(out, "repair", "--data-dir", dataDir().toString(), "--term", "8")).isZero();
    assertThat(out.toString()).contains("wrote a new one in term 9, with no vote");

    node = start();
    Await.until("a to lead itself", () -> node.header().role() == Role.LEADER ? true : null);
    assertThat(node.header().term()).as("elected in a term it has never seen").isGreaterThan(9);
    assertThat(get(node.propose(put("after", "repair")))).isNotNull();
  }

  @Test
  void aRepairedNodeDoesNotVoteInATermItMayHaveVotedIn() throws Exception {
    writeLog(3, 20);
    Membership abc = Membership.ofVoterIds("a", "b", "c");
    RaftConfig config = RaftConfig.defaults("a");
    NodeStorage storage = new NodeStorage(SegmentedLogStore.open(dataDir()),
        new FileHardStateStore(dataDir(), FileIo.SYSTEM),
        new FileSnapshotStore(dataDir(), FileIo.SYSTEM));
    try (SegmentedLogStore log = (SegmentedLogStore) storage.log()) {
      // What a lost hard state allowed before: a start in the log's term with no vote, so a vote
      // in term 8 (where a may well have voted for c already) is granted to b.
      RestoredState forgetful = new RestoredState(HardState.INITIAL, SnapshotMeta.initial(abc),
          log.read(1, 20));
      assertThat(grants(new Raft(config, forgetful, new Random(1)), voteFromB(8))).isTrue();

      assertThatThrownBy(() -> RaftRecovery.recover(storage, new KvStateMachine(), abc))
          .isInstanceOf(CorruptStorageException.class);
    }

    // The other members are at term 8 at most: the repair puts a in term 9, with no vote.
    assertThat(run(new StringWriter(), "repair", "--data-dir", dataDir().toString(),
        "--term", "8")).isZero();
    try (SegmentedLogStore log = SegmentedLogStore.open(dataDir())) {
      NodeStorage repaired = new NodeStorage(log, new FileHardStateStore(dataDir(), FileIo.SYSTEM),
          new FileSnapshotStore(dataDir(), FileIo.SYSTEM));
      RestoredState restored = RaftRecovery.recover(repaired, new KvStateMachine(), abc);
      assertThat(restored.hardState()).isEqualTo(new HardState(9, null));
      Raft r = new Raft(config, restored, new Random(1));
      assertThat(r.term()).isEqualTo(9);
      for (long t = 1; t <= 8; t++) {
        assertThat(grants(r, voteFromB(t))).as("a vote in term %d", t).isFalse();
      }
      assertThat(r.hardState().votedFor()).isNull();
      // a term above the mark is one a has never seen: it votes there as usual
      assertThat(grants(r, voteFromB(9))).isTrue();
      assertThat(r.hardState()).isEqualTo(new HardState(9, "b"));
    }
  }

  private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }
}
