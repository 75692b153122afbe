package io.lattice.kv;

import io.lattice.format.FormatException;
import io.lattice.format.SnapshotDataReader;
import io.lattice.format.SnapshotDataWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;

/**
 * Writes the whole state machine as snapshot data ({@link SnapshotDataWriter}'s stream) and reads it
 * back into fresh structures.
 *
 * <p>How the state maps onto the stream:
 *
 * <pre>
 *   summary  [1, appliedIndex, keyCount, sessionCount = clients + 1]
 *   keys     [2, key, value, createIndex, modIndex, version]       ascending unsigned key order
 *   clock    [3, "", 1, (empty), logClockMillis]                   always the first session record
 *   sessions [3, clientId, lastSequence, blob, lastActiveMillis]   ascending client-id order
 *   end      [0]
 * </pre>
 *
 * The session record with the empty client id (which no real session can have: an empty id means
 * "no session") carries the log clock, which a snapshot must preserve for session expiry to stay
 * deterministic; its lastSequence is the version of this mapping (1). The {@code lastResult} field
 * of a real session holds not one result but the session's whole retained window, as MessagePack
 * {@code [1, floor, [[sequence, result]...]]} (results as {@link KvResultCodec} bytes, ascending
 * sequence); {@code lastSequence} is the highest retained sequence (or the floor when none is).
 *
 * <p>The encoding is canonical (deterministic for a given state), which {@link StateHash} relies on.
 */
final class KvSnapshotCodec {
  private static final String CLOCK_ID = "";
  private static final int CLOCK_RECORD_VERSION = 1;
  private static final int SESSION_BLOB_VERSION = 1;
  private static final byte[] EMPTY = new byte[0];

  /** A state read from a snapshot. */
  record Restored(long appliedIndex, KvStore store, ClientSessions sessions) {}

  private KvSnapshotCodec() {}

  static void write(OutputStream out, long appliedIndex, KvStore store, ClientSessions sessions)
      throws IOException {
    capture(appliedIndex, store, sessions).writeTo(out);
  }

  /**
   * A point-in-time copy of the whole state that can be written later, on any thread, while the
   * state machine moves on. Keys and values are shared, not copied: a {@link KvEntry} and its
   * arrays never change once stored (a put stores a new entry). Sessions do change in place, so
   * they are encoded now; there are few of them next to the keys.
   */
  record Capture(long appliedIndex, List<KvEntry> entries, long clockMillis,
      List<SessionRecord> sessions) {
    /** Writes the snapshot data ({@link SnapshotDataWriter}'s stream) to {@code out}. */
    void writeTo(OutputStream out) throws IOException {
      SnapshotDataWriter w =
          new SnapshotDataWriter(out, appliedIndex, entries.size(), sessions.size() + 1L);
      for (KvEntry e : entries) {
        w.key(e.key(), e.value(), e.createIndex(), e.modIndex(), e.version());
      }
      w.session(CLOCK_ID, CLOCK_RECORD_VERSION, EMPTY, clockMillis);
      for (SessionRecord r : sessions) {
        w.session(r.clientId(), r.lastSequence(), r.blob(), r.lastActiveMillis());
      }
      w.finish();
    }
  }

  /** One client session as stored in a snapshot. */
  record SessionRecord(String clientId, long lastSequence, byte[] blob, long lastActiveMillis) {}

  /**
   * Captures the state on the state machine's thread. Costs one pass copying references over the
   * keys (no key or value bytes are copied) plus encoding the sessions.
   */
  static Capture capture(long appliedIndex, KvStore store, ClientSessions sessions) {
    List<KvEntry> entries = new ArrayList<>(store.size());
    for (Iterator<KvEntry> it = store.iterator(); it.hasNext(); ) {
      entries.add(it.next());
    }
    List<SessionRecord> records = new ArrayList<>(sessions.size());
    try {
      for (SessionState s : sessions.sessions()) {
        records.add(new SessionRecord(s.clientId(), s.lastSequence(), sessionBlob(s),
            s.lastActiveMillis()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("encoding a session into memory failed", e);
    }
    return new Capture(appliedIndex, entries, sessions.clockMillis(), records);
  }

  /**
   * Reads a snapshot into a fresh state, touching nothing else.
   *
   * @throws IllegalArgumentException if the bytes are not a valid snapshot of this state machine
   */
  static Restored read(byte[] snapshot, SessionLimits limits) {
    if (snapshot == null) {
      throw new IllegalArgumentException("malformed snapshot: null");
    }
    Builder b = new Builder(new ClientSessions(limits));
    try {
      SnapshotDataReader.read(new ByteArrayInputStream(snapshot), b);
    } catch (FormatException | IOException e) {
      throw new IllegalArgumentException("malformed snapshot: " + e.getMessage(), e);
    }
    if (!b.clockSeen) {
      throw new IllegalArgumentException("malformed snapshot: no log clock record");
    }
    return new Restored(b.appliedIndex, b.store, b.sessions);
  }

  private static byte[] sessionBlob(SessionState s) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(3);
      p.packInt(SESSION_BLOB_VERSION);
      p.packLong(s.floor());
      p.packArrayHeader(s.results().size());
      for (Map.Entry<Long, byte[]> r : s.results().entrySet()) {
        p.packArrayHeader(2);
        p.packLong(r.getKey());
        p.packBinaryHeader(r.getValue().length);
        p.writePayload(r.getValue());
      }
      return p.toByteArray();
    }
  }

  /** Builds the fresh state while the reader walks the stream, checking it as it goes. */
  private static final class Builder implements SnapshotDataReader.Visitor {
    final KvStore store = new KvStore();
    final ClientSessions sessions;
    long appliedIndex;
    boolean clockSeen;
    String lastClient;

    Builder(ClientSessions sessions) {
      this.sessions = sessions;
    }

    @Override
    public void summary(long appliedIndex, long keyCount, long sessionCount) {
      this.appliedIndex = appliedIndex;
    }

    @Override
    public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
      if (key.length == 0) {
        throw bad("empty key");
      }
      byte[] last = store.lastKey();
      if (last != null && Bytes.compare(last, key) >= 0) {
        throw bad("keys out of order at " + Bytes.show(key));
      }
      if (version < 1 || createIndex < 1 || modIndex < createIndex || modIndex > appliedIndex) {
        throw bad("impossible metadata for key " + Bytes.show(key) + ": create " + createIndex
            + ", mod " + modIndex + ", version " + version + ", applied " + appliedIndex);
      }
      store.load(new KvEntry(key, value, createIndex, modIndex, version));
    }

    @Override
    public void session(String clientId, long lastSequence, byte[] lastResult, long lastActive) {
      if (!clockSeen) {
        if (!clientId.equals(CLOCK_ID) || lastSequence != CLOCK_RECORD_VERSION
            || lastResult.length != 0 || lastActive < 0) {
          throw bad("the first session record is not a valid log clock record");
        }
        sessions.loadClock(lastActive);
        clockSeen = true;
        return;
      }
      if (clientId.isEmpty() || (lastClient != null && lastClient.compareTo(clientId) >= 0)) {
        throw bad("session ids empty or out of order at '" + clientId + "'");
      }
      if (lastActive < 0 || lastActive > sessions.clockMillis()) {
        throw bad("session " + clientId + " active at " + lastActive + ", after the log clock");
      }
      SessionState state = new SessionState(clientId, lastActive);
      readSessionBlob(clientId, lastResult, state);
      if (state.lastSequence() != lastSequence) {
        throw bad("session " + clientId + " says last sequence " + lastSequence + " but holds "
            + state.lastSequence());
      }
      sessions.load(state);
      lastClient = clientId;
    }

    private static void readSessionBlob(String clientId, byte[] blob, SessionState state) {
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(blob)) {
        if (u.unpackArrayHeader() != 3 || u.unpackInt() != SESSION_BLOB_VERSION) {
          throw bad("session " + clientId + " has an unknown layout");
        }
        long floor = u.unpackLong();
        int n = u.unpackArrayHeader();
        if (floor < 0 || n < 0 || n > blob.length) {
          throw bad("session " + clientId + " has impossible counts");
        }
        TreeMap<Long, byte[]> retained = new TreeMap<>();
        long prev = floor;
        for (int i = 0; i < n; i++) {
          if (u.unpackArrayHeader() != 2) {
            throw bad("session " + clientId + " has a malformed result");
          }
          long seq = u.unpackLong();
          int len = u.unpackBinaryHeader();
          if (seq <= prev || len < 0 || len > blob.length) {
            throw bad("session " + clientId + " has results out of order or too long");
          }
          retained.put(seq, u.readPayload(len));
          prev = seq;
        }
        if (u.hasNext()) {
          throw bad("session " + clientId + " has trailing bytes");
        }
        state.load(floor, retained);
      } catch (MessagePackException | IOException e) {
        throw bad("session " + clientId + " is malformed: " + e.getMessage());
      }
    }

    private static IllegalArgumentException bad(String what) {
      return new IllegalArgumentException("malformed snapshot: " + what);
    }
  }
}
