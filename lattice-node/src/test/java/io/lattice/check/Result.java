package io.lattice.check;

/**
 * What a completed operation returned. Each kind of {@link Call} has its kind of result: a put
 * {@link Written}, a get {@link Read}, a delete {@link Deleted}, a compare-and-swap {@link
 * Swapped}. Versions follow the store: a missing key has version 0, the put that creates it makes
 * it 1, every further put adds one, a delete makes the key missing again. A version the server did
 * not report is {@link #UNKNOWN_VERSION} and is then not checked.
 */
public sealed interface Result
    permits Result.Written, Result.Read, Result.Deleted, Result.Swapped {
  long UNKNOWN_VERSION = -1;

  /** A put took effect; {@code version} is the key's version after it, if reported. */
  record Written(long version) implements Result {
    @Override
    public String toString() {
      return version == UNKNOWN_VERSION ? "ok" : "ok v" + version;
    }
  }

  /** A get returned {@code value} (null: the key did not exist), at {@code version} if reported. */
  record Read(String value, long version) implements Result {
    @Override
    public String toString() {
      return Describe.value(value) + (version == UNKNOWN_VERSION ? "" : " v" + version);
    }
  }

  /** A delete returned whether the key existed. */
  record Deleted(boolean existed) implements Result {
    @Override
    public String toString() {
      return existed ? "deleted" : "was absent";
    }
  }

  /** A compare-and-swap returned whether the expectation held (and the swap happened). */
  record Swapped(boolean succeeded) implements Result {
    @Override
    public String toString() {
      return succeeded ? "swapped" : "not swapped";
    }
  }

  static Result ok() {
    return new Written(UNKNOWN_VERSION);
  }

  static Result written(long version) {
    return new Written(version);
  }

  static Result read(String valueOrNull) {
    return new Read(valueOrNull, UNKNOWN_VERSION);
  }

  static Result read(String valueOrNull, long version) {
    return new Read(valueOrNull, version);
  }

  static Result deleted(boolean existed) {
    return new Deleted(existed);
  }

  static Result swapped(boolean succeeded) {
    return new Swapped(succeeded);
  }

  /** Whether this is the kind of result {@code call} produces. */
  static boolean fits(Call call, Result r) {
    return (call instanceof Call.Put && r instanceof Written)
        || (call instanceof Call.Get && r instanceof Read)
        || (call instanceof Call.Delete && r instanceof Deleted)
        || (call instanceof Call.Cas && r instanceof Swapped);
  }
}
