package io.lattice.check;

import java.util.Objects;

/**
 * What a client asked for: one operation on one key of a register-per-key store. Values are
 * strings (callers holding bytes convert them, e.g. as UTF-8); a {@code null} value means "the key
 * does not exist".
 */
public sealed interface Call permits Call.Put, Call.Get, Call.Delete, Call.Cas {
  /** The key the operation is on. */
  String key();

  /** Whether the operation may change the register (a get never does). */
  default boolean mayWrite() {
    return !(this instanceof Get);
  }

  /** Sets the key to {@code value}. */
  record Put(String key, String value) implements Call {
    public Put {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "put " + Describe.value(value);
    }
  }

  /** Reads the key. */
  record Get(String key) implements Call {
    public Get {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "get";
    }
  }

  /** Deletes the key. */
  record Delete(String key) implements Call {
    public Delete {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "delete";
    }
  }

  /**
   * Compare-and-swap: if the key matches {@code expect}, sets it to {@code newValue}, or deletes it
   * when {@code newValue} is null; otherwise changes nothing.
   */
  record Cas(String key, Expect expect, String newValue) implements Call {
    public Cas {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(expect, "expect");
    }

    @Override
    public String toString() {
      return "cas(" + expect + " -> " + (newValue == null ? "delete" : Describe.value(newValue))
          + ")";
    }
  }

  /** What a compare-and-swap expects the key to be. */
  sealed interface Expect permits Expect.Value, Expect.Version, Expect.Absent {
    /** The key exists and holds exactly {@code value}. */
    record Value(String value) implements Expect {
      public Value {
        Objects.requireNonNull(value, "value");
      }

      @Override
      public String toString() {
        return "value " + Describe.value(value);
      }
    }

    /** The key's version is {@code version} (0: the key does not exist). */
    record Version(long version) implements Expect {
      public Version {
        if (version < 0) {
          throw new IllegalArgumentException("version " + version + " < 0");
        }
      }

      @Override
      public String toString() {
        return "version " + version;
      }
    }

    /** The key does not exist. */
    record Absent() implements Expect {
      @Override
      public String toString() {
        return "absent";
      }
    }

    static Expect value(String v) {
      return new Value(v);
    }

    static Expect version(long v) {
      return new Version(v);
    }

    static Expect absent() {
      return new Absent();
    }
  }

  static Call put(String key, String value) {
    return new Put(key, value);
  }

  static Call get(String key) {
    return new Get(key);
  }

  static Call delete(String key) {
    return new Delete(key);
  }

  /** Compare-and-swap that puts {@code newValue} when the key matches {@code expect}. */
  static Call cas(String key, Expect expect, String newValue) {
    return new Cas(key, expect, Objects.requireNonNull(newValue, "newValue"));
  }

  /** Compare-and-swap that deletes the key when it matches {@code expect}. */
  static Call casDelete(String key, Expect expect) {
    return new Cas(key, expect, null);
  }
}
