package io.lattice.kv;

import io.lattice.format.FormatException;
import io.lattice.format.SnapshotDataReader;
import io.lattice.format.SnapshotDataWriter;
import io.lattice.storage.SnapshotRegions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Iterator;
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
 * <p>How the state maps onto the stream (mapping version 2):
 *
 * <pre>
 *   summary  [1, appliedIndex, keyCount, sessionCount = sessions + 1]
 *   keys     [2, key, value, createIndex, modIndex, version]       ascending unsigned key order
 *   meta     [3, 0, 2, limits, logClockMillis]                     always the first session record
 *   sessions [3, id, lastSequence, window, lastActiveMillis]       ascending id order
 *   end      [0]
 * </pre>
 *
 * The session record with id 0 (which no real session can have: ids are log indexes, and 0 means
 * "no session") carries what a snapshot must preserve besides the sessions for apply to stay
 * deterministic: the log clock, and in its {@code lastResult} field the configured limits as
 * MessagePack {@code [ttlMillis, maxClockStepMillis, maxSessions, maxResultsPerSession]}; its lastSequence is
 * the version of this mapping (2). The limits are recorded, not restored: a replica applies its
 * own configuration, which must be the same everywhere; recording them makes the state hash of
 * replicas configured differently differ. The {@code lastResult} field of a real session holds not
 * one result but the session's whole retained window, with the index of its last activity, as
 * MessagePack {@code [2, floor, lastActiveIndex, [[sequence, result]...]]} (results as {@link
 * KvResultCodec} bytes, ascending sequence); {@code lastSequence} is the highest retained sequence
 * (or the floor when none is).
 *
 * <p>Mapping version 1 (string session ids chosen by clients) is not readable: its sessions were
 * never registered in the log.
 *
 * <p>The encoding is canonical (deterministic for a given state), which {@link StateHash} relies on.
 */
final class KvSnapshotCodec {
  private static final long META_ID = 0;
  private static final int MAPPING_VERSION = 2;
  private static final int SESSION_WINDOW_VERSION = 2;

  /**
   * The smallest value a restore from a snapshot file keeps as a mapped region of the file rather
   * than an array: below it the buffer object would save little over the array.
   */
  static final int MAPPED_VALUE_BYTES = 1024;

  /** A state read from a snapshot. */
  record Restored(long appliedIndex, KeySpace keys, ClientSessions sessions) {}

  private KvSnapshotCodec() {}

  /**
   * Writes the state as snapshot data ({@link SnapshotDataWriter}'s stream) to {@code out}. Reads
   * only immutable structures, so it may run on any thread while the state machine goes on.
   */
  static void write(OutputStream out, long appliedIndex, KeySpace keys,
      ClientSessions.State sessions, SessionLimits limits) throws IOException {
    SnapshotDataWriter w =
        new SnapshotDataWriter(out, appliedIndex, keys.size(), sessions.byId().size() + 1L);
    for (Iterator<KvEntry> it = keys.iterator(); it.hasNext(); ) {
      KvEntry e = it.next();
      if (e.valueInHeap()) {
        w.key(e.key(), e.value(), e.createIndex(), e.modIndex(), e.version());
      } else {
        w.key(e.key(), e.valueBuffer(), e.createIndex(), e.modIndex(), e.version());
      }
    }
    w.session(META_ID, MAPPING_VERSION, limitsBlob(limits), sessions.clockMillis());
    for (SessionState s : sessions.sessions()) {
      w.session(s.id(), s.lastSequence(), sessionBlob(s), s.lastActiveMillis());
    }
    w.finish();
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
    try {
      return read(new ByteArrayInputStream(snapshot), limits);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed snapshot: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a snapshot from {@code in} as it arrives into a fresh state, touching nothing else:
   * decoded record by record (MessagePack's streaming unpacker, a small read buffer), each key's
   * value kept as the one array it was read into, and the key space built in one pass once every
   * key is in (sorted as the snapshot is). The peak memory is the state being built plus an array
   * of one reference per key, never the snapshot's bytes. May run on any thread. Does not read
   * past the end marker's buffer; the caller checks the length and checksum of what it fed in.
   *
   * @throws IllegalArgumentException if the data is not a valid snapshot of this state machine
   * @throws IOException if reading {@code in} fails (a cancelled restore among others)
   */
  static Restored read(java.io.InputStream in, SessionLimits limits) throws IOException {
    return read(in, limits, null);
  }

  /**
   * As {@link #read(java.io.InputStream, SessionLimits)}, keeping every value of at least {@link
   * #MAPPED_VALUE_BYTES} as a region of {@code regions} (the same data, in its file) instead of an
   * array; {@code regions} null: none.
   */
  static Restored read(java.io.InputStream in, SessionLimits limits, SnapshotRegions regions)
      throws IOException {
    Builder b = new Builder(new ClientSessions(limits), regions);
    try {
      SnapshotDataReader.read(in, b);
    } catch (FormatException e) {
      throw new IllegalArgumentException("malformed snapshot: " + e.getMessage(), e);
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause(); // a region that could not be mapped
    }
    if (!b.metaSeen) {
      throw new IllegalArgumentException("malformed snapshot: no session meta record");
    }
    if (!b.sessions.activityFollowsLogTime()) {
      throw new IllegalArgumentException("malformed snapshot: sessions last active later in the "
          + "log at an earlier log time");
    }
    return new Restored(b.appliedIndex, KeySpace.ofSorted(b.keys), b.sessions);
  }

  private static byte[] limitsBlob(SessionLimits limits) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(4);
      p.packLong(limits.ttl().toMillis());
      p.packLong(limits.maxClockStep().toMillis());
      p.packInt(limits.maxSessions());
      p.packInt(limits.maxResultsPerSession());
      return p.toByteArray();
    }
  }

  private static byte[] sessionBlob(SessionState s) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(4);
      p.packInt(SESSION_WINDOW_VERSION);
      p.packLong(s.floor());
      p.packLong(s.lastActiveIndex());
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
    /** The keys in ascending order, as read (checked as they come). */
    final java.util.ArrayList<KvEntry> keys = new java.util.ArrayList<>();
    final ClientSessions sessions;
    /** Where large values are mapped from; null: every value is read into an array. */
    final SnapshotRegions regions;
    long appliedIndex;
    boolean metaSeen;
    long lastId;

    Builder(ClientSessions sessions, SnapshotRegions regions) {
      this.sessions = sessions;
      this.regions = regions;
    }

    @Override
    public boolean valueByPosition(int length) {
      return regions != null && length >= MAPPED_VALUE_BYTES;
    }

    @Override
    public void keyAt(byte[] key, long valueOffset, int valueLength, long createIndex,
        long modIndex, long version) {
      check(key, createIndex, modIndex, version);
      try {
        keys.add(KvEntry.mapped(key, regions.map(valueOffset, valueLength), createIndex, modIndex,
            version));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void summary(long appliedIndex, long keyCount, long sessionCount) {
      this.appliedIndex = appliedIndex;
      // Sized up front (up to a bound: the count is not trusted until the keys are there).
      keys.ensureCapacity((int) Math.min(keyCount, 1 << 20));
    }

    @Override
    public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
      check(key, createIndex, modIndex, version);
      keys.add(new KvEntry(key, value, createIndex, modIndex, version));
    }

    /** Checks a key record's key order and metadata before it is added. */
    private void check(byte[] key, long createIndex, long modIndex, long version) {
      if (key.length == 0) {
        throw bad("empty key");
      }
      byte[] last = keys.isEmpty() ? null : keys.get(keys.size() - 1).key();
      if (last != null && Bytes.compare(last, key) >= 0) {
        throw bad("keys out of order at " + Bytes.show(key));
      }
      if (version < 1 || createIndex < 1 || modIndex < createIndex || modIndex > appliedIndex) {
        throw bad("impossible metadata for key " + Bytes.show(key) + ": create " + createIndex
            + ", mod " + modIndex + ", version " + version + ", applied " + appliedIndex);
      }
    }

    @Override
    public void session(long id, long lastSequence, byte[] lastResult, long lastActive) {
      if (!metaSeen) {
        if (id != META_ID || lastActive < 0) {
          throw bad("the first session record is not a valid session meta record");
        }
        if (lastSequence != MAPPING_VERSION) {
          throw bad("sessions are in mapping version " + lastSequence + ", this build reads only "
              + MAPPING_VERSION);
        }
        readLimits(lastResult);
        sessions.loadClock(lastActive);
        metaSeen = true;
        return;
      }
      if (id <= lastId || id > appliedIndex) {
        throw bad("session id " + id + " out of order, or not a log index up to " + appliedIndex);
      }
      if (lastActive < 0 || lastActive > sessions.clockMillis()) {
        throw bad("session " + id + " active at " + lastActive + ", after the log clock");
      }
      SessionState state = readSessionWindow(id, lastResult, lastActive);
      if (state.lastActiveIndex() < id || state.lastActiveIndex() > appliedIndex) {
        throw bad("session " + id + " last active at index " + state.lastActiveIndex()
            + ", outside [" + id + ", " + appliedIndex + "]");
      }
      if (state.lastSequence() != lastSequence) {
        throw bad("session " + id + " says last sequence " + lastSequence + " but holds "
            + state.lastSequence());
      }
      if (!sessions.load(state)) {
        throw bad("session " + id + " last active at the same index as another session");
      }
      lastId = id;
    }

    private static void readLimits(byte[] blob) {
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(blob)) {
        if (u.unpackArrayHeader() != 4 || u.unpackLong() <= 0 || u.unpackLong() <= 0
            || u.unpackInt() < 1 || u.unpackInt() < 1 || u.hasNext()) {
          throw bad("the session limits are malformed");
        }
      } catch (MessagePackException | IOException e) {
        throw bad("the session limits are malformed: " + e.getMessage());
      }
    }

    private static SessionState readSessionWindow(long id, byte[] blob, long lastActive) {
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(blob)) {
        if (u.unpackArrayHeader() != 4 || u.unpackInt() != SESSION_WINDOW_VERSION) {
          throw bad("session " + id + " has an unknown layout");
        }
        long floor = u.unpackLong();
        long lastActiveIndex = u.unpackLong();
        int n = u.unpackArrayHeader();
        if (floor < 0 || n < 0 || n > blob.length) {
          throw bad("session " + id + " has impossible counts");
        }
        TreeMap<Long, byte[]> retained = new TreeMap<>();
        long prev = floor;
        for (int i = 0; i < n; i++) {
          if (u.unpackArrayHeader() != 2) {
            throw bad("session " + id + " has a malformed result");
          }
          long seq = u.unpackLong();
          int len = u.unpackBinaryHeader();
          if (seq <= prev || len < 0 || len > blob.length) {
            throw bad("session " + id + " has results out of order or too long");
          }
          retained.put(seq, u.readPayload(len));
          prev = seq;
        }
        if (u.hasNext()) {
          throw bad("session " + id + " has trailing bytes");
        }
        return SessionState.loaded(id, lastActiveIndex, lastActive, floor, retained);
      } catch (MessagePackException | IOException e) {
        throw bad("session " + id + " is malformed: " + e.getMessage());
      }
    }

    private static IllegalArgumentException bad(String what) {
      return new IllegalArgumentException("malformed snapshot: " + what);
    }
  }
}
