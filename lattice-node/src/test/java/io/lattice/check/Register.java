package io.lattice.check;

/**
 * The sequential specification of one key: a register with a version. {@link #step} says whether
 * an operation may take effect in this state with the result it returned, and what state follows.
 *
 * @param value null when the key does not exist
 * @param version 0 when the key does not exist; always 0 when versions are not tracked
 */
record Register(String value, long version) {
  static final Register ABSENT = new Register(null, 0);

  /**
   * The state after {@code op} took effect here, or null if it could not have returned what it
   * returned. An operation of unknown outcome never conflicts with the state (its result is not
   * known), but a compare-and-swap of unknown outcome swaps exactly when its expectation holds.
   *
   * @param versions whether versions are tracked (else every reported version is ignored)
   */
  Register step(Call c, Result r, boolean versions) {
    if (c instanceof Call.Put p) {
      Register next = new Register(p.value(), versions ? version + 1 : 0);
      if (versions && r instanceof Result.Written w && w.version() != Result.UNKNOWN_VERSION
          && w.version() != next.version) {
        return null;
      }
      return next;
    }
    if (c instanceof Call.Get) {
      if (!(r instanceof Result.Read read)) {
        return this; // a read of unknown outcome constrains nothing (callers drop them anyway)
      }
      boolean same = read.value() == null ? value == null : read.value().equals(value);
      if (!same || (versions && read.version() != Result.UNKNOWN_VERSION
          && read.version() != version)) {
        return null;
      }
      return this;
    }
    if (c instanceof Call.Delete) {
      if (r instanceof Result.Deleted d && d.existed() != (value != null)) {
        return null;
      }
      return ABSENT;
    }
    Call.Cas cas = (Call.Cas) c;
    boolean holds = holds(cas.expect());
    if (r instanceof Result.Swapped s && s.succeeded() != holds) {
      return null;
    }
    if (!holds) {
      return this;
    }
    return cas.newValue() == null ? ABSENT
        : new Register(cas.newValue(), versions ? version + 1 : 0);
  }

  private boolean holds(Call.Expect e) {
    if (e instanceof Call.Expect.Value v) {
      return value != null && value.equals(v.value());
    }
    if (e instanceof Call.Expect.Version v) {
      return version == v.version();
    }
    return value == null;
  }

  @Override
  public String toString() {
    return value == null ? "absent" : Describe.value(value) + (version > 0 ? " v" + version : "");
  }
}
