package io.lattice.format;

import java.util.List;

/**
 * A state-machine command as stored in a COMMAND log entry (encoded by {@link KvCommandCodec}).
 * Every command carries the client session ({@link Session#NONE} for the session commands
 * themselves) and the leader's clock reading when it was proposed: replicas use that "log time",
 * never their own clocks, so session expiry is deterministic.
 */
public sealed interface KvCommand {
  Session session();

  /** The proposing leader's wall-clock time, in milliseconds since the epoch. */
  long proposedAtMillis();

  record Put(Session session, long proposedAtMillis, byte[] key, byte[] value, boolean prevKv)
      implements KvCommand {}

  /** Deletes {@code key}, or with {@code prefix} every key starting with it. */
  record Delete(Session session, long proposedAtMillis, byte[] key, boolean prefix, boolean prevKv)
      implements KvCommand {}

  /** Compares one key, then puts ({@code newValue} non-null) or deletes it. */
  record CompareAndSwap(Session session, long proposedAtMillis, byte[] key, Expect expect,
      byte[] newValue, boolean prevKv) implements KvCommand {}

  /** If every compare holds, runs {@code success}, else {@code failure}. */
  record Txn(Session session, long proposedAtMillis, List<Compare> compares, List<Op> success,
      List<Op> failure) implements KvCommand {}

  /**
   * Registers a new client session. Its id is the log index of this entry (Raft dissertation
   * §6.3), so applying it can never give an existing session's id to another client.
   */
  record RegisterSession(long proposedAtMillis) implements KvCommand {
    @Override
    public Session session() {
      return Session.NONE;
    }
  }

  /** Forgets the session {@code sessionId}, if it still exists: its client is done with it. */
  record CloseSession(long proposedAtMillis, long sessionId) implements KvCommand {
    @Override
    public Session session() {
      return Session.NONE;
    }
  }

  /** What a compare-and-swap expects of the key. */
  record Expect(ExpectKind kind, byte[] value, long version) {
    public static Expect value(byte[] v) {
      return new Expect(ExpectKind.VALUE, v, 0);
    }

    public static Expect version(long v) {
      return new Expect(ExpectKind.VERSION, null, v);
    }

    public static Expect absent() {
      return new Expect(ExpectKind.ABSENT, null, 0);
    }
  }

  enum ExpectKind { VALUE, VERSION, ABSENT }

  /** One comparison of a transaction: {@code target} of {@code key} {@code op} the operand. */
  record Compare(byte[] key, CompareOp op, CompareTarget target, byte[] value, long number) {}

  enum CompareOp { EQUAL, NOT_EQUAL, LESS, GREATER }

  enum CompareTarget { VALUE, VERSION, MOD_INDEX, CREATE_INDEX, EXISTS }

  /** One operation of a transaction branch. */
  record Op(OpKind kind, byte[] key, byte[] value, boolean prevKv) {}

  enum OpKind { PUT, DELETE, GET }
}
