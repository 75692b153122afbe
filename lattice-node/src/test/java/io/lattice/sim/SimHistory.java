package io.lattice.sim;

import io.lattice.format.KvCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The client history of one run, per key: every linearizable operation with its invocation and
 * completion times (virtual, see {@link Clients}) and what it returned, or that its outcome is
 * unknown (a write that ended INDETERMINATE for good, whose session expired, or that was still
 * outstanding at the end). Reads that failed or were abandoned had no effect and are left out, as
 * are stale (serializable) reads, which are not meant to be linearizable.
 */
final class SimHistory {
  enum Kind { PUT, CAS, GET }

  enum State { PENDING, OK, UNKNOWN, FAILED }

  /** One client operation. */
  static final class Op {
    final int id;
    final int client;
    final Kind kind;
    final String key;
    /** What a put or compare-and-swap writes. */
    final String value;
    /** What a compare-and-swap expects (value, version, absent). */
    final KvCommand.Expect expect;
    final long invoke;
    private State state = State.PENDING;
    private long complete;
    /** A get's value (null: absent) and version; a put's version. */
    private String readValue;
    private long version;
    private boolean swapped;

    private Op(int id, int client, Kind kind, String key, String value, KvCommand.Expect expect,
        long invoke) {
      this.id = id;
      this.client = client;
      this.kind = kind;
      this.key = key;
      this.value = value;
      this.expect = expect;
      this.invoke = invoke;
    }

    State state() {
      return state;
    }

    long complete() {
      return complete;
    }

    String readValue() {
      return readValue;
    }

    long version() {
      return version;
    }

    boolean swapped() {
      return swapped;
    }

    /** A put completed at {@code time}; the key's version after it. */
    void written(long version, long time) {
      finish(State.OK, time);
      this.version = version;
    }

    /** A compare-and-swap completed at {@code time}. */
    void swapped(boolean succeeded, long time) {
      finish(State.OK, time);
      this.swapped = succeeded;
    }

    /** A get completed at {@code time} and returned {@code value} (null: absent) at {@code version}. */
    void read(String value, long version, long time) {
      finish(State.OK, time);
      this.readValue = value;
      this.version = version;
    }

    /** A write whose outcome will never be known: it may have taken effect, or not. */
    void unknown() {
      finish(State.UNKNOWN, Long.MAX_VALUE);
    }

    /** An operation that certainly had no effect and returned nothing (a failed read). */
    void failed() {
      finish(State.FAILED, Long.MAX_VALUE);
    }

    private void finish(State s, long time) {
      if (state != State.PENDING) {
        throw new IllegalStateException("op " + id + " already finished as " + state);
      }
      if (time < invoke) {
        throw new IllegalStateException("op " + id + " completes before it was invoked");
      }
      state = s;
      complete = time;
    }

    @Override
    public String toString() {
      String what = switch (kind) {
        case PUT -> "put " + value;
        case CAS -> "cas(" + expectString(expect) + " -> " + value + ")";
        case GET -> "get";
      };
      String out = switch (state) {
        case OK -> kind == Kind.GET ? readValue + " v" + version
            : kind == Kind.CAS ? (swapped ? "swapped" : "not swapped") : "ok v" + version;
        default -> state.toString().toLowerCase();
      };
      return "#" + id + " c" + client + " " + key + " " + what + " [" + invoke + ", "
          + (state == State.OK ? String.valueOf(complete) : "?") + "] -> " + out;
    }
  }

  static String expectString(KvCommand.Expect e) {
    return switch (e.kind()) {
      case VALUE -> "value " + new String(e.value(), StandardCharsets.UTF_8);
      case VERSION -> "version " + e.version();
      case ABSENT -> "absent";
    };
  }

  private final List<Op> ops = new ArrayList<>();

  Op invoke(int client, Kind kind, String key, String value, KvCommand.Expect expect, long time) {
    Op op = new Op(ops.size(), client, kind, key, value, expect, time);
    ops.add(op);
    return op;
  }

  List<Op> ops() {
    return Collections.unmodifiableList(ops);
  }

  /** Operations that count: completed or of unknown outcome (pending ones are unknown). */
  long checkable() {
    return ops.stream().filter(o -> o.state != State.FAILED).count();
  }
}
