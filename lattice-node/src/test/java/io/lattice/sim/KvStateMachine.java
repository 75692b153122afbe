package io.lattice.sim;

import io.lattice.node.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated replicated state machine: a sorted key-value map with exactly-once client sessions
 * (dissertation §6.3): a command whose (client, seq) was already applied changes nothing and returns
 * the first result. It also keeps a hash chain over every command it applied, carried in snapshots,
 * so that replicas (including ones restored from snapshots) can be compared index by index.
 *
 * <p>Sessions also check the clients' protocol: a client has one request outstanding at a time, so
 * a new sequence number must be exactly the next one; anything else means an acknowledged write
 * was lost or applied out of order.
 */
final class KvStateMachine implements StateMachine {
  /** A value and the index of the command that wrote it. */
  record Versioned(String value, long index) {}

  private final String node;
  private TreeMap<String, Versioned> data = new TreeMap<>();
  /** client → (seq → index where it took effect). */
  private TreeMap<String, TreeMap<Long, Long>> sessions = new TreeMap<>();
  private long chain;
  private long lastCommandIndex;

  KvStateMachine(String node) {
    this.node = node;
  }

  @Override
  public byte[] apply(long index, byte[] command) {
    KvCommand c = KvCommand.decode(command);
    TreeMap<Long, Long> session = sessions.computeIfAbsent(c.client(), k -> new TreeMap<>());
    chain = mix(mix(chain, index), java.util.Arrays.hashCode(command));
    lastCommandIndex = index;
    Long first = session.get(c.seq());
    if (first != null) {
      return KvCommand.result(first); // duplicate: the first result, no effect
    }
    long lastSeq = session.isEmpty() ? 0 : session.lastKey();
    if (c.seq() != lastSeq + 1) {
      throw new SimulationFailure(node + ": client " + c.client() + " seq " + c.seq()
          + " applied at " + index + " after seq " + lastSeq + ": a write was lost or reordered");
    }
    session.put(c.seq(), index);
    data.put(c.key(), new Versioned(c.value(), index));
    return KvCommand.result(index);
  }

  Versioned get(String key) {
    return data.get(key);
  }

  long chain() {
    return chain;
  }

  long lastCommandIndex() {
    return lastCommandIndex;
  }

  Map<String, Versioned> data() {
    return data;
  }

  @Override
  public byte[] snapshot() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeLong(chain);
      out.writeLong(lastCommandIndex);
      out.writeInt(data.size());
      for (Map.Entry<String, Versioned> e : data.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue().value());
        out.writeLong(e.getValue().index());
      }
      out.writeInt(sessions.size());
      for (Map.Entry<String, TreeMap<Long, Long>> s : sessions.entrySet()) {
        out.writeUTF(s.getKey());
        out.writeInt(s.getValue().size());
        for (Map.Entry<Long, Long> r : s.getValue().entrySet()) {
          out.writeLong(r.getKey());
          out.writeLong(r.getValue());
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void restore(byte[] snapshot) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot));
      long c = in.readLong();
      long last = in.readLong();
      TreeMap<String, Versioned> d = new TreeMap<>();
      for (int n = in.readInt(); n > 0; n--) {
        d.put(in.readUTF(), new Versioned(in.readUTF(), in.readLong()));
      }
      TreeMap<String, TreeMap<Long, Long>> s = new TreeMap<>();
      for (int n = in.readInt(); n > 0; n--) {
        TreeMap<Long, Long> session = new TreeMap<>();
        String client = in.readUTF();
        for (int m = in.readInt(); m > 0; m--) {
          session.put(in.readLong(), in.readLong());
        }
        s.put(client, session);
      }
      chain = c;
      lastCommandIndex = last;
      data = d;
      sessions = s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long mix(long h, long v) {
    h ^= v + 0x9e3779b97f4a7c15L + (h << 6) + (h >>> 2);
    h *= 0xbf58476d1ce4e5b9L;
    return h ^ (h >>> 31);
  }
}
