package io.lattice.sim;

import io.lattice.format.FormatException;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvResult;
import io.lattice.kv.KvResultCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Exactly-once writes (dissertation §6.3), checked on every command any node applies and on every
 * result a client is given:
 *
 * <ul>
 *   <li>the state machine answers the command at an index with the same bytes on every node;
 *   <li>a session is opened only by a RegisterSession entry, with that entry's index as its id;
 *   <li>a session's sequence number is executed at most once: a result that is not an error and
 *       carries the entry's own index is an execution, and a second execution of the same (session,
 *       sequence) at another index is a write applied twice;
 *   <li>a duplicate is answered with the first result, byte for byte;
 *   <li>a result a client is given for a (session, sequence) is that first result.
 * </ul>
 *
 * It also remembers what every executed write wrote where, for the checks of stale reads.
 */
final class ExactlyOnce {
  /** A write executed at an index: {@code key} was set to {@code value}. */
  record Write(String key, String value) {}

  /** Index → hash of the result bytes of the command applied there. */
  private final Map<Long, Integer> resultAt = new HashMap<>();
  /** "session#sequence" → index where it was executed. */
  private final Map<String, Long> executedAt = new HashMap<>();
  /** "session#sequence" → the result of its execution. */
  private final Map<String, byte[]> firstResult = new HashMap<>();
  /** Index → the write executed there. */
  private final Map<Long, Write> writes = new HashMap<>();
  private long executions;
  private long duplicatesApplied;
  private long refused;
  private long sessionsOpened;

  static String id(Session s) {
    return s.id() + "#" + s.sequence();
  }

  long duplicatesApplied() {
    return duplicatesApplied;
  }

  long refused() {
    return refused;
  }

  long sessionsOpened() {
    return sessionsOpened;
  }

  /** The write executed at {@code index}, or null (no write, or not a command). */
  Write writeAt(long index) {
    return writes.get(index);
  }

  /** Node {@code node} applied {@code command} at {@code index} and answered {@code result}. */
  void applied(String node, long index, byte[] command, byte[] result) {
    int h = Arrays.hashCode(result);
    Integer known = resultAt.putIfAbsent(index, h);
    if (known != null) {
      if (known != h) {
        throw new SimulationFailure("state-machine safety: " + node + " answers the command at "
            + index + " differently from another node: " + KvResultCodec.decodeTrusted(result));
      }
      return; // looked at when the first node applied it
    }
    KvCommand c;
    try {
      c = KvCommandCodec.decode(command);
    } catch (FormatException e) {
      throw new SimulationFailure("entry " + index + " is not a command: " + e.getMessage());
    }
    KvResult r = KvResultCodec.decodeTrusted(result);
    if (r instanceof KvResult.Error e) {
      if (e.kind() != KvResult.ErrorKind.SESSION_EXPIRED) {
        throw new SimulationFailure("the command at " + index + " was refused: " + e);
      }
      refused++;
      return;
    }
    if (r instanceof KvResult.SessionOpened opened) {
      if (!(c instanceof KvCommand.RegisterSession) || opened.sessionId() != index) {
        throw new SimulationFailure("the command at " + index + " (" + KvCommandCodec.describe(c)
            + ") opened session " + opened.sessionId());
      }
      sessionsOpened++;
      return;
    }
    if (r instanceof KvResult.SessionClosed) {
      return;
    }
    Session s = c.session();
    if (r.index() != index) {
      // A duplicate: answered with the first result.
      duplicatesApplied++;
      String sid = id(s);
      Long first = executedAt.get(sid);
      if (!s.present() || first == null || first != r.index()
          || !Arrays.equals(firstResult.get(sid), result)) {
        throw new SimulationFailure("exactly-once: " + sid + " at " + index + " is answered with "
            + r + " but was executed at " + first);
      }
      return;
    }
    executions++;
    if (c instanceof KvCommand.Put p) {
      writes.put(index, new Write(str(p.key()), str(p.value())));
    } else if (c instanceof KvCommand.CompareAndSwap cas
        && ((KvResult.CompareAndSwap) r).succeeded()) {
      writes.put(index, new Write(str(cas.key()), str(cas.newValue())));
    }
    if (s.present()) {
      String sid = id(s);
      Long first = executedAt.putIfAbsent(sid, index);
      if (first != null) {
        throw new SimulationFailure("exactly-once: " + sid + " was executed at " + first
            + " and again at " + index + " (" + KvCommandCodec.describe(c) + ")");
      }
      firstResult.put(sid, result);
    }
  }

  /**
   * A client was given {@code result} for the write {@code session} (null: a registration): it
   * must be the result of the write's one execution. Returns it decoded.
   */
  KvResult acknowledged(Session session, byte[] result) {
    KvResult r = KvResultCodec.decodeTrusted(result);
    if (r instanceof KvResult.Error || session == null) {
      return r;
    }
    String sid = id(session);
    byte[] first = firstResult.get(sid);
    if (first == null || !Arrays.equals(first, result)) {
      throw new SimulationFailure("exactly-once: " + sid + " acknowledged with " + r + " but "
          + (first == null ? "it was never executed" : "its execution answered "
              + KvResultCodec.decodeTrusted(first)));
    }
    return r;
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
