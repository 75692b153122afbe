package io.lattice.errors;

/**
 * Why a request failed: the one table of failure reasons, used unchanged from the Raft core
 * ({@code RaftException}) through the node ({@code NodeException}) to the wire ({@code
 * lattice.v1.ErrorInfo.Reason}, which has a value of the same name for every constant here) and
 * the command line. A reason is never translated into another on its way to the client, so it
 * cannot change meaning; {@link GrpcReasons} maps it once to its gRPC status code, and the CLI maps
 * outcomes once to exit codes.
 *
 * <p>Every reason states its {@link Effect}: whether the request that failed with it certainly had
 * no effect, or may have been applied. "May have applied" is its own outcome, never a failure.
 *
 * <p>This class is plain Java (no protobuf, no gRPC) so that the core can use it.
 */
public enum Reason {
  /**
   * This member is not the leader and the request must be served by the leader; the leader is
   * named when known.
   */
  NOT_LEADER(Effect.NONE),
  /**
   * The write was appended to the log but its outcome is unknown: leadership was lost, the entry
   * was overwritten or covered by a snapshot from the leader, the deadline passed, or the node
   * stopped. It may still commit. With a client session a retry is safe.
   */
  INDETERMINATE(Effect.MAYBE),
  /** A key is longer than the configured maximum. */
  KEY_TOO_LARGE(Effect.NONE),
  /** A value is larger than the configured maximum. */
  VALUE_TOO_LARGE(Effect.NONE),
  /** The request as a whole is larger than one log entry may be. */
  REQUEST_TOO_LARGE(Effect.NONE),
  /** A key was empty. */
  EMPTY_KEY(Effect.NONE),
  /**
   * The member cannot serve the request now (starting, no leader, leadership not confirmed, this
   * term's first entry not committed yet); retry later, possibly elsewhere.
   */
  UNAVAILABLE(Effect.NONE),
  /**
   * The request timed out before it had any effect (a read, a leadership transfer, a write never
   * proposed). A write that timed out after it was appended is {@link #INDETERMINATE}.
   */
  TIMEOUT(Effect.NONE),
  /** Another membership change, or this term's no-op, has not committed yet. */
  MEMBERSHIP_CHANGE_IN_PROGRESS(Effect.NONE),
  /** A leadership transfer is in flight: no writes and no lease reads until it ends. */
  TRANSFER_IN_PROGRESS(Effect.NONE),
  /** A named object (a member id) does not exist. */
  NOT_FOUND(Effect.NONE),
  /** A peer message for another cluster. Never retried. */
  CLUSTER_ID_MISMATCH(Effect.NONE),
  /** A peer message for another member id. Never retried. */
  MEMBER_ID_MISMATCH(Effect.NONE),
  /** A field is missing or malformed (other than the specific cases in this table). */
  INVALID_ARGUMENT(Effect.NONE),
  /** The member (id or address) is already in the configuration. */
  ALREADY_EXISTS(Effect.NONE),
  /** The membership change does not apply to the current configuration. */
  INVALID_MEMBERSHIP_CHANGE(Effect.NONE),
  /** The client session is unknown or has forgotten the sequence number. */
  SESSION_EXPIRED(Effect.NONE),
  /** The member is overloaded; back off and retry. */
  OVERLOADED(Effect.NONE),
  /** A snapshot is being taken or installed. */
  SNAPSHOT_IN_PROGRESS(Effect.NONE),
  /**
   * The member is shutting down or stopped after a fatal error, and the request never reached
   * its log (an appended write is {@link #INDETERMINATE} instead).
   */
  SHUTTING_DOWN(Effect.NONE),
  /** The operation cannot be performed by or on a learner. */
  NOT_A_VOTER(Effect.NONE),
  /**
   * An unexpected failure inside the member (a storage error, an undecodable command). For a
   * write, treat it as {@link #INDETERMINATE}.
   */
  INTERNAL(Effect.MAYBE),
  /** The leadership transfer target is not a voter of the configuration, or is the leader. */
  INVALID_TRANSFER_TARGET(Effect.NONE),
  /**
   * A transaction has more compares, or more operations in one branch, than allowed (the member's
   * configured maximum when proposed; a fixed hard maximum when applied).
   */
  TOO_MANY_TXN_OPS(Effect.NONE),
  /**
   * The command's result (the previous key-values or the values read) would be larger than one
   * answer may be; nothing was changed. The same on every member: retrying unchanged fails again.
   */
  RESULT_TOO_LARGE(Effect.NONE),
  /**
   * A retry of a session write that WAS applied (by an earlier attempt), but whose result was too
   * large for the session to keep for retries: the write took effect, only its answer is lost.
   * Marked {@link Effect#MAYBE} so that no client ever takes it for "not applied".
   */
  RESULT_NOT_RETAINED(Effect.MAYBE),
  /**
   * The member's disk is (nearly) full: its free space fell below the configured reserve (the
   * NO_SPACE alarm, like etcd's NOSPACE), so it accepts no new entries. The request was refused
   * before it was proposed and had no effect. Reads are still served; writes resume by themselves
   * once space is freed.
   */
  NO_SPACE(Effect.NONE),
  /**
   * The call needs a verified certificate and came without one (no TLS client certificate, or a
   * peer call without a peer certificate). Nothing was done.
   */
  UNAUTHENTICATED(Effect.NONE),
  /**
   * The caller's certificate does not allow the call: a client role below the one the call needs,
   * or a peer message whose sender is not the member its certificate names. Nothing was done.
   */
  PERMISSION_DENIED(Effect.NONE),
  /**
   * A peer message came from a member whose removal from the cluster is committed (or that never
   * was a member): the leader refuses it, and the member told so stops for good. Peer-only.
   */
  MEMBER_REMOVED(Effect.NONE);

  /** What a request that failed with a reason did. */
  public enum Effect {
    /** The request certainly had no effect: it may be sent again, elsewhere if need be. */
    NONE,
    /**
     * The request may or may not have been applied (and may still be). Not a failure; a write
     * with a client session may be retried with the same sequence number.
     */
    MAYBE
  }

  private final Effect effect;

  Reason(Effect effect) {
    this.effect = effect;
  }

  /** Whether the failed request may have been applied. */
  public Effect effect() {
    return effect;
  }
}
