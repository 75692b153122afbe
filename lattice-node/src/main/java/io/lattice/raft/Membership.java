package io.lattice.raft;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A cluster configuration: the voters, who decide elections and commitment, and the learners, who
 * only receive the log. Every CONFIG entry carries a complete Membership, so a server that has the
 * newest CONFIG entry knows the whole cluster (including addresses) without any earlier entry.
 *
 * <p>A configuration takes effect on a server as soon as its entry is in that server's log,
 * committed or not (dissertation §4.1); a truncated CONFIG entry reverts to the previous one.
 */
public record Membership(SortedMap<String, Member> members) {
  private static final byte FORMAT_VERSION = 1;
  private static final int FLAG_VOTER = 1;
  private static final int FLAG_AUTO_PROMOTE = 2;

  public static final Membership EMPTY = new Membership(new TreeMap<>());

  public Membership {
    members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
  }

  public static Membership ofVoters(Collection<Member> voters) {
    TreeMap<String, Member> m = new TreeMap<>();
    for (Member v : voters) {
      m.put(v.id(), v);
    }
    return new Membership(m);
  }

  /** A bootstrap configuration of voters with the given ids (and no addresses): handy for tests. */
  public static Membership ofVoterIds(String... ids) {
    TreeMap<String, Member> m = new TreeMap<>();
    for (String id : ids) {
      m.put(id, Member.voter(id, ""));
    }
    return new Membership(m);
  }

  public SortedSet<String> voters() {
    TreeSet<String> s = new TreeSet<>();
    members.values().stream().filter(Member::voter).forEach(m -> s.add(m.id()));
    return s;
  }

  public SortedSet<String> learners() {
    TreeSet<String> s = new TreeSet<>();
    members.values().stream().filter(m -> !m.voter()).forEach(m -> s.add(m.id()));
    return s;
  }

  public boolean contains(String id) {
    return members.containsKey(id);
  }

  public boolean isVoter(String id) {
    Member m = members.get(id);
    return m != null && m.voter();
  }

  public boolean isLearner(String id) {
    Member m = members.get(id);
    return m != null && !m.voter();
  }

  public Member member(String id) {
    return members.get(id);
  }

  /**
   * The configuration after {@code change}.
   *
   * @throws MembershipException when the change does not apply to this configuration
   */
  public Membership apply(MembershipChange change) {
    TreeMap<String, Member> next = new TreeMap<>(members);
    Member current = members.get(change.id());
    if (change instanceof MembershipChange.AddLearner add) {
      if (current != null) {
        throw new MembershipException("member " + add.id() + " already exists");
      }
      if (add.id().isEmpty() || !encodable(add.id()) || !encodable(add.address())) {
        throw new MembershipException("invalid id or address for new member '" + add.id() + "'");
      }
      next.put(add.id(), Member.learner(add.id(), add.address(), add.autoPromote()));
    } else if (change instanceof MembershipChange.Promote) {
      if (current == null) {
        throw new MembershipException("member " + change.id() + " does not exist");
      }
      if (current.voter()) {
        throw new MembershipException("member " + change.id() + " is already a voter");
      }
      next.put(current.id(), current.promoted());
    } else if (change instanceof MembershipChange.Remove) {
      if (current == null) {
        throw new MembershipException("member " + change.id() + " does not exist");
      }
      if (current.voter() && voters().size() == 1) {
        throw new MembershipException("cannot remove the last voter " + change.id());
      }
      next.remove(change.id());
    }
    return new Membership(next);
  }

  /** The binary form stored in CONFIG entries and snapshot headers. */
  public byte[] encode() {
    int size = 1 + 4;
    for (Member m : members.values()) {
      size += 1 + 2 + utf8(m.id()).length + 2 + utf8(m.address()).length;
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(FORMAT_VERSION);
    buf.putInt(members.size());
    for (Member m : members.values()) {
      int flags = (m.voter() ? FLAG_VOTER : 0) | (m.autoPromote() ? FLAG_AUTO_PROMOTE : 0);
      buf.put((byte) flags);
      putString(buf, m.id());
      putString(buf, m.address());
    }
    return buf.array();
  }

  /**
   * Parses {@link #encode()}'s output.
   *
   * @throws IllegalArgumentException if the bytes are not a valid encoding
   */
  public static Membership decode(byte[] bytes) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      byte version = buf.get();
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException("unknown membership format version " + version);
      }
      int count = buf.getInt();
      if (count < 0 || count > bytes.length) {
        throw new IllegalArgumentException("bad membership count " + count);
      }
      TreeMap<String, Member> m = new TreeMap<>();
      for (int i = 0; i < count; i++) {
        int flags = buf.get();
        String id = getString(buf);
        String address = getString(buf);
        m.put(id, new Member(id, address, (flags & FLAG_VOTER) != 0, (flags & FLAG_AUTO_PROMOTE) != 0));
      }
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException("trailing bytes after membership");
      }
      return new Membership(m);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated membership", e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code s} fits the encoding's unsigned 16-bit length prefix. */
  private static boolean encodable(String s) {
    return s == null || utf8(s).length <= 0xFFFF;
  }

  private static void putString(ByteBuffer buf, String s) {
    byte[] b = utf8(s);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException("string of " + b.length + " bytes does not fit the encoding");
    }
    buf.putShort((short) b.length);
    buf.put(b);
  }

  private static String getString(ByteBuffer buf) {
    int len = Short.toUnsignedInt(buf.getShort());
    byte[] b = new byte[len];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Membership{voters=" + voters() + ", learners=" + learners() + "}";
  }
}
