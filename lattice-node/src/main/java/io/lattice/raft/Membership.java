package io.lattice.raft;

import io.lattice.format.FormatException;
import io.lattice.format.MemberRecord;
import io.lattice.format.MembershipCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
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
      if (add.id().isEmpty() || !encodable(add.id()) || !encodable(add.peerAddress())
          || !encodable(add.clientAddress())) {
        throw new MembershipException("invalid id or address for new member '" + add.id() + "'");
      }
      next.put(add.id(), Member.learner(add.id(), add.peerAddress(), add.clientAddress(),
          add.autoPromote()));
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
    } else if (change instanceof MembershipChange.SetClientAddress set) {
      if (current == null) {
        throw new MembershipException("member " + change.id() + " does not exist");
      }
      if (!encodable(set.clientAddress())) {
        throw new MembershipException("invalid client address for member '" + set.id() + "'");
      }
      next.put(current.id(), current.withClientAddress(set.clientAddress()));
    }
    return new Membership(next);
  }

  /**
   * The binary form stored in CONFIG entries and snapshot headers ({@link MembershipCodec}: one
   * format, shared with the tools that read log files).
   *
   * @throws IllegalArgumentException if an id or address is too long for the format
   */
  public byte[] encode() {
    List<MemberRecord> records = new ArrayList<>(members.size());
    for (Member m : members.values()) {
      records.add(new MemberRecord(m.id(), m.peerAddress(), m.clientAddress(), m.voter(),
          m.autoPromote()));
    }
    return MembershipCodec.encode(records);
  }

  /**
   * Parses {@link #encode()}'s output, and the one-address form written before members had two
   * listeners (its address is the peer address, the client address is empty until published).
   *
   * @throws IllegalArgumentException if the bytes are not a valid encoding
   */
  public static Membership decode(byte[] bytes) {
    List<MemberRecord> records;
    try {
      records = MembershipCodec.decode(bytes);
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    TreeMap<String, Member> m = new TreeMap<>();
    for (MemberRecord r : records) {
      m.put(r.id(), new Member(r.id(), r.peerAddress(), r.clientAddress(), r.voter(),
          r.autoPromote()));
    }
    return new Membership(m);
  }

  /** Whether {@code s} fits the encoding's unsigned 16-bit length prefix. */
  private static boolean encodable(String s) {
    return s == null || s.getBytes(StandardCharsets.UTF_8).length <= 0xFFFF;
  }

  @Override
  public String toString() {
    return "Membership{voters=" + voters() + ", learners=" + learners() + "}";
  }
}
