package io.lattice.sim;

import io.lattice.check.History;
import io.lattice.format.KvCommand;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.node.ReadConsistency;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * One operation of a simulated client ({@link Clients}) and its attempts: a write is sent again,
 * with the same session and sequence number, until one attempt brings its result; a read has one
 * attempt.
 */
final class ClientOp {
  enum Kind { PUT, CAS, GET, REGISTER }

  /** What a read query returns from the loop: the key-value and the applied index it ran at. */
  record View(KvEntry entry, long appliedIndex) {}

  final Clients.Client client;
  final Kind kind;
  final String key;
  final String value;
  final KvCommand.Expect expect;
  final ReadConsistency mode;
  final Session session;
  /** The operation in the history (null for STALE reads and registrations). */
  final History.Pending record;
  IndexFloors.Floors floors;
  final long startedAt;
  final List<Attempt> attempts = new ArrayList<>();
  long nextAttemptAt;
  boolean finished;
  boolean acked;

  ClientOp(Clients.Client client, Kind kind, String key, String value, KvCommand.Expect expect,
      ReadConsistency mode, Session session, History.Pending record, long now) {
    this.client = client;
    this.kind = kind;
    this.key = key;
    this.value = value;
    this.expect = expect;
    this.mode = mode;
    this.session = session;
    this.record = record;
    this.startedAt = now;
    this.nextAttemptAt = now;
  }

  boolean outstanding() {
    for (Attempt a : attempts) {
      if (!a.done) {
        return true;
      }
    }
    return false;
  }

  long lastSentAt() {
    return attempts.isEmpty() ? startedAt : attempts.get(attempts.size() - 1).sentAt;
  }

  @Override
  public String toString() {
    return kind + " " + key + (session == null ? " " + mode : " " + ExactlyOnce.id(session))
        + " since " + startedAt + " attempts " + attempts;
  }

  /** One request of the operation to one node, and how it ended. */
  static final class Attempt {
    final ClientOp op;
    final SimNode node;
    final long sentAt;
    /** The encoded command of a write attempt (null for reads). */
    byte[] command;
    boolean done;
    byte[] result;
    View view;
    Throwable error;
    /** The history time at which it completed. */
    long doneAt;

    Attempt(ClientOp op, SimNode node, long sentAt) {
      this.op = op;
      this.node = node;
      this.sentAt = sentAt;
    }

    void complete(Object value, Throwable err, long at) {
      done = true;
      doneAt = at;
      if (err != null) {
        error = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      } else if (value instanceof byte[] b) {
        result = b;
      } else {
        view = (View) value;
      }
    }

    @Override
    public String toString() {
      return node.id + "@" + sentAt + (done ? (error != null ? " failed" : " done") : " pending");
    }
  }
}
